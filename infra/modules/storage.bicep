// Storage account with the Azure Files share mounted read-only into every notebook server at
// /data-volumes (helm/pchub/values.yaml, singleuser.storage). Reachable from the node subnet only.

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
    // The Azure Files CSI driver mounts with the account key (Kubernetes Secret pchub-data-volumes).
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

@description('Name of the storage account (goes into the Kubernetes Secret pchub-data-volumes).')
output name string = account.name

@description('Name of the data-volumes file share.')
output shareName string = share.name
