// Virtual network of the cluster: one subnet for all AKS nodes (pods get overlay addresses),
// with service endpoints so the storage account and Key Vault can admit only this subnet.

@description('Azure region of the network.')
param location string

@description('Prefix of resource names, e.g. pchub-staging.')
param namePrefix string

@description('Address space of the virtual network.')
param addressPrefix string = '10.0.0.0/8'

@description('Address range of the node subnet; pods use the overlay range of the cluster instead.')
param nodeSubnetPrefix string = '10.1.0.0/16'

@description('Tags for every resource.')
param tags object = {}

resource nsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: '${namePrefix}-nodes-nsg'
  location: location
  tags: tags
  properties: {
    // No custom rules: AKS manages the load balancer rules it needs; the defaults deny the rest.
    securityRules: []
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  // checkov:skip=CKV_AZURE_182: Azure-provided DNS (168.63.129.16) is highly available; custom DNS servers would be a new single point of failure.
  // checkov:skip=CKV_AZURE_183: the cluster resolves through Azure-provided DNS on purpose (see CKV_AZURE_182).
  name: '${namePrefix}-vnet'
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [addressPrefix]
    }
    subnets: [
      {
        name: 'nodes'
        properties: {
          addressPrefix: nodeSubnetPrefix
          networkSecurityGroup: {
            id: nsg.id
          }
          serviceEndpoints: [
            { service: 'Microsoft.Storage' }
            { service: 'Microsoft.KeyVault' }
          ]
        }
      }
    ]
  }
}

@description('Resource ID of the node subnet.')
output nodeSubnetId string = vnet.properties.subnets[0].id

@description('Name of the virtual network.')
output vnetName string = vnet.name
