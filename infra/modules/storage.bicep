// Storage account with the Azure Files share mounted read-only into every notebook server at
// /data-volumes (helm/pchub/values.yaml, singleuser.storage). Reachable from the node subnet only.
// The Azure Files CSI driver mounts with the account key, so this module writes the account name
// and key into the deployment's Key Vault (as Azure Verified Modules' secretsExportConfiguration
// does), from where the chart syncs them into the Kubernetes Secret pchub-data-volumes: the key
// never passes through an output, a parameter or an operator's shell.

@description('Azure region of the storage account.')
param location string

@description('Globally unique storage account name (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Resource ID of the node subnet, the only network that may mount the share.')
param nodeSubnetId string

@description('Name of the file share with the read-only datasets.')
param shareName string = 'data-volumes'

@description('Quota of the share in GiB.')
@minValue(100)
@maxValue(102400)
param shareQuotaGiB int = 1024

@description('Redundancy of the account: geo-zone-redundant survives a zone and a region outage.')
@allowed(['Standard_GZRS', 'Standard_GRS'])
param skuName string = 'Standard_GZRS'

@description('Name of the deployment\'s Key Vault, where the account name and key are written.')
param keyVaultName string

@description('Key Vault secret holding the account name (Kubernetes Secret pchub-data-volumes, key azurestorageaccountname).')
param accountNameSecretName string

@description('Key Vault secret holding the account key (Kubernetes Secret pchub-data-volumes, key azurestorageaccountkey).')
param accountKeySecretName string

@description('Tags for every resource.')
param tags object = {}

resource account 'Microsoft.Storage/storageAccounts@2024-01-01' = {
  // checkov:skip=CKV_AZURE_59: nodes reach the share through the subnet's service endpoint, which uses the public endpoint; networkAcls default Deny admits only the node subnet.
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    supportsHttpsTrafficOnly: true
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    // The Azure Files CSI driver mounts with the account key (Key Vault, then pchub-data-volumes).
    allowSharedKeyAccess: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Deny'
      bypass: 'AzureServices'
      virtualNetworkRules: [
        {
          id: nodeSubnetId
          action: 'Allow'
        }
      ]
    }
  }
}

resource fileServices 'Microsoft.Storage/storageAccounts/fileServices@2024-01-01' = {
  parent: account
  name: 'default'
  properties: {
    shareDeleteRetentionPolicy: {
      enabled: true
      days: 14
    }
  }
}

resource share 'Microsoft.Storage/storageAccounts/fileServices/shares@2024-01-01' = {
  parent: fileServices
  name: shareName
  properties: {
    shareQuota: shareQuotaGiB
    enabledProtocols: 'SMB'
  }
}

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

resource accountNameSecret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = {
  // checkov:skip=CKV_AZURE_41: the account name is no credential and never changes; an expiry would only stop the data-volumes mounts.
  parent: vault
  name: accountNameSecretName
  properties: {
    contentType: 'text/plain'
    value: account.name
  }
}

// Rewritten by every deployment: after regenerating key1 (az storage account keys renew),
// redeploy and the add-on carries the new key to the cluster (docs/operator-guide.md).
resource accountKeySecret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = {
  // checkov:skip=CKV_AZURE_41: the value is the account key itself, valid until it is regenerated (then redeployed here); an expiry date would stop new data-volumes mounts with nothing to renew it.
  parent: vault
  name: accountKeySecretName
  properties: {
    contentType: 'text/plain'
    value: account.listKeys().keys[0].value
  }
}

@description('Name of the storage account.')
output name string = account.name

@description('Name of the data-volumes file share.')
output shareName string = share.name
