// Container registry for our three images, with AcrPull for the cluster's kubelet identity
// (the deploy workflow pushes; nodes pull without secrets).

@description('Azure region of the registry.')
param location string

@description('Globally unique registry name (5-50 letters and digits).')
@minLength(5)
@maxLength(50)
param name string

@description('Registry tier: Premium adds zone redundancy, retention of untagged manifests and private access.')
@allowed(['Standard', 'Premium'])
param sku string = 'Premium'

@description('Object ID of the cluster kubelet identity that pulls images.')
param kubeletObjectId string

@description('Days untagged manifests are kept (Premium only).')
@minValue(0)
@maxValue(365)
param untaggedRetentionDays int = 30

@description('Tags for every resource.')
param tags object = {}

// Built-in role ID of AcrPull.
var acrPullRoleId = '7f951dda-4ed3-4680-a7ca-43fe172d538d'

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  // checkov:skip=CKV_AZURE_139: GitHub-hosted runners push and AKS nodes pull over the public endpoint; a private endpoint would need self-hosted runners. Entra-only access (admin user and anonymous pull off) guards it.
  // checkov:skip=CKV_AZURE_163: image scanning is Microsoft Defender for Containers, a subscription-level plan, not a registry property.
  // checkov:skip=CKV_AZURE_166: quarantine needs a scanner that releases images; the deploy workflow pushes exactly what it then deploys.
  name: name
  location: location
  tags: tags
  sku: {
    name: sku
  }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: false
    publicNetworkAccess: 'Enabled'
    zoneRedundancy: sku == 'Premium' ? 'Enabled' : 'Disabled'
    policies: {
      retentionPolicy: {
        status: sku == 'Premium' ? 'enabled' : 'disabled'
        days: untaggedRetentionDays
      }
    }
  }
}

resource kubeletPulls 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, kubeletObjectId, acrPullRoleId)
  scope: registry
  properties: {
    principalId: kubeletObjectId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrPullRoleId)
  }
}

@description('Login server of the registry, e.g. pchubstagingacr.azurecr.io (helm value image.registry).')
output loginServer string = registry.properties.loginServer

@description('Name of the registry (az acr login --name).')
output name string = registry.name
