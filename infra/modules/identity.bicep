// The user-assigned identity of spawn-webhook, federated to its Kubernetes service account, so
// the pod gets Entra tokens through workload identity with no secret anywhere.

@description('Azure region of the identity.')
param location string

@description('Prefix of resource names, e.g. pchub-staging.')
param namePrefix string

@description('OIDC issuer URL of the AKS cluster.')
param oidcIssuerUrl string

@description('Kubernetes namespace of the helm release.')
param namespace string

@description('Name of spawn-webhook\'s service account (the chart names it after the service).')
param serviceAccountName string = 'spawn-webhook'

@description('Tags for every resource.')
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${namePrefix}-spawn-webhook-id'
  location: location
  tags: tags
}

resource federation 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = {
  parent: identity
  name: 'aks-${namespace}-${serviceAccountName}'
  properties: {
    issuer: oidcIssuerUrl
    subject: 'system:serviceaccount:${namespace}:${serviceAccountName}'
    audiences: ['api://AzureADTokenExchange']
  }
}

@description('Client ID of the identity (helm value spawnWebhook.workloadIdentity.clientId).')
output clientId string = identity.properties.clientId

@description('Principal (object) ID of the identity, for role assignments.')
output principalId string = identity.properties.principalId
