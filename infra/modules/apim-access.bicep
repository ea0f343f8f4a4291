// Lets spawn-webhook's identity read subscription keys of the API Management service, and
// nothing else: a custom role with the two actions listSecrets needs and the read of the service
// itself (the webhook checks that it exists), assigned on the APIM service. Deployed into the APIM service's resource group (often another subscription).

@description('Name of the existing API Management service.')
param apimServiceName string

@description('Principal ID of spawn-webhook\'s user-assigned identity.')
param principalId string

@description('Prefix of the role name, e.g. pchub-staging.')
param namePrefix string

resource apim 'Microsoft.ApiManagement/service@2024-05-01' existing = {
  name: apimServiceName
}

// Custom roles cannot be assignable at a single resource; the resource group is the narrowest
// assignable scope, and the assignment below narrows it to the APIM service.
resource keyReader 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, namePrefix, 'apim-subscription-key-reader')
  properties: {
    roleName: '${namePrefix} APIM subscription key reader'
    description: 'Reads the API Management service, its subscriptions and their keys (spawn-webhook).'
    type: 'CustomRole'
    assignableScopes: [
      resourceGroup().id
    ]
    permissions: [
      {
        actions: [
          'Microsoft.ApiManagement/service/read'
          'Microsoft.ApiManagement/service/subscriptions/read'
          'Microsoft.ApiManagement/service/subscriptions/listSecrets/action'
        ]
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
  }
}

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(apim.id, principalId, keyReader.id)
  scope: apim
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: keyReader.id
  }
}

@description('Resource ID of the custom role definition.')
output roleDefinitionId string = keyReader.id
