// Key Vault for the deployment's secrets (the pc-id token and OAuth client secret operators set,
// the data-volumes account key storage.bicep writes) and the hub's TLS certificate. Azure RBAC
// only; reachable from the node subnet and named IP ranges. The chart reads the secrets through
// AKS's Key Vault CSI add-on as each reader's workload identity (helm/README.md lists them).

@description('Azure region of the vault.')
param location string

@description('Globally unique vault name (3-24 characters).')
@minLength(3)
@maxLength(24)
param name string

@description('Resource ID of the node subnet (the application routing add-on reads the TLS certificate from there).')
param nodeSubnetId string

@description('Public CIDR ranges of operators and CI runners that set or read secrets.')
param allowedIpRanges array = []

@description('Object ID of an Entra group whose members manage the secrets (Key Vault Secrets Officer); empty for none.')
param secretsOfficerGroupObjectId string = ''

@description('Object ID of the application routing add-on identity (reads the TLS certificate).')
param webAppRoutingObjectId string

@description('Principal IDs of the workload identities whose pods read secrets through the CSI add-on (Key Vault Secrets User on this vault).')
param secretReaderPrincipalIds array = []

@description('Tags for every resource.')
param tags object = {}

// Built-in role IDs: Key Vault Secrets Officer and Key Vault Secrets User.
var secretsOfficerRoleId = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
var secretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  // checkov:skip=CKV_AZURE_189: operators set the manual secrets from their machines and CI; public access is limited to allowedIpRanges and the node subnet (networkAcls default Deny).
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Deny'
      bypass: 'AzureServices'
      ipRules: [for range in allowedIpRanges: { value: range }]
      virtualNetworkRules: [
        { id: nodeSubnetId }
      ]
    }
  }
}

resource officers 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(secretsOfficerGroupObjectId)) {
  name: guid(vault.id, secretsOfficerGroupObjectId, secretsOfficerRoleId)
  scope: vault
  properties: {
    principalId: secretsOfficerGroupObjectId
    principalType: 'Group'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsOfficerRoleId)
  }
}

resource ingressReadsCertificates 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, 'web-app-routing', secretsUserRoleId)
  scope: vault
  properties: {
    principalId: webAppRoutingObjectId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUserRoleId)
  }
}

// Read-only access to secret values (the least built-in role the CSI provider works with), on
// this vault only: readers cannot list or change anything else in the resource group.
resource readersReadSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for principalId in secretReaderPrincipalIds: {
    name: guid(vault.id, principalId, secretsUserRoleId)
    scope: vault
    properties: {
      principalId: principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUserRoleId)
    }
  }
]

@description('Name of the vault.')
output name string = vault.name

@description('URI of the vault, e.g. https://pchub-staging-kv.vault.azure.net/.')
output uri string = vault.properties.vaultUri
