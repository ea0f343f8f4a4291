// Everything the hub needs on Azure, per deployment (staging, prod): what the original's
// Terraform made, one module per concern. Deploy at subscription scope:
//   az deployment sub create --location westeurope --template-file infra/main.bicep \
//     --parameters @infra/params/staging.parameters.json
// The `helmValues` output feeds the chart (infra/README.md, helm/README.md).
targetScope = 'subscription'

@description('Deployment name; also the Kubernetes namespace of the helm release.')
@allowed(['staging', 'prod'])
param environmentName string

@description('Azure region of every resource (the original ran next to the data, in West Europe).')
param location string = 'westeurope'

@description('Prefix of resource names.')
@minLength(3)
@maxLength(20)
param namePrefix string = 'pchub-${environmentName}'

@description('Globally unique container registry name (letters and digits).')
param registryName string

@description('Container registry tier.')
@allowed(['Standard', 'Premium'])
param registrySku string = 'Premium'

@description('Globally unique Key Vault name.')
param keyVaultName string

@description('Globally unique storage account name of the data-volumes share.')
param storageAccountName string

@description('Quota of the data-volumes share in GiB.')
param dataShareQuotaGiB int = 1024

@description('Kubernetes version (minor) of the cluster.')
param kubernetesVersion string = '1.34'

@description('AKS pricing tier.')
@allowed(['Free', 'Standard'])
param aksSkuTier string = 'Standard'

@description('CIDR ranges allowed to reach the Kubernetes API server.')
param apiServerAuthorizedIpRanges array

@description('Entra group object IDs that administer the cluster.')
param clusterAdminGroupObjectIds array = []

@description('Entra group object ID whose members manage Key Vault secrets; empty for none.')
param keyVaultSecretsOfficerGroupObjectId string = ''

@description('Public CIDR ranges allowed through the Key Vault firewall (operators, CI runners).')
param keyVaultAllowedIpRanges array = []

@description('VM size of the core pool.')
param coreVmSize string = 'Standard_D4ds_v5'

@description('OS disk type of the core pool (Ephemeral needs a VM size with a large enough cache).')
@allowed(['Ephemeral', 'Managed'])
param coreOsDiskType string = 'Ephemeral'

@description('Maximum node count of the core pool.')
param coreMaxCount int = 3

@description('VM size of the CPU user pool.')
param userVmSize string = 'Standard_E8s_v5'

@description('Minimum node count of the CPU user pool.')
param userMinCount int = 0

@description('Maximum node count of the CPU user pool.')
param userMaxCount int = 100

@description('Maximum node count of the spot CPU Dask worker pool.')
param cpuWorkerMaxCount int = 100

@description('Maximum node count of the GPU user pool.')
param gpuUserMaxCount int = 25

@description('Maximum node count of the spot GPU Dask worker pool.')
param gpuWorkerMaxCount int = 25

@description('Days Log Analytics keeps data.')
param logRetentionInDays int = 90

@description('Subscription ID of the existing API Management service (a UUID).')
param apimSubscriptionId string

@description('Resource group of the existing API Management service.')
param apimResourceGroup string = 'pc-manual-resources'

@description('Name of the existing API Management service.')
param apimServiceName string = 'planetarycomputer'

@description('Name of the hub TLS certificate in the Key Vault (served by the ingress).')
param tlsCertificateName string = 'hub-tls'

@description('Key Vault secret with the pc-id OAuth client secret (set by operators; Kubernetes Secret pchub-oauth, key client-secret, read by the hub).')
param oauthClientSecretName string = 'id-client-secret'

@description('Key Vault secret with the pc-id API token (set by operators; Kubernetes Secret pchub-pc-id, key token, read by user-lookup).')
param pcIdTokenSecretName string = 'pc-id-token'

@description('Key Vault secret with the data-volumes storage account name (written by this deployment; Kubernetes Secret pchub-data-volumes, key azurestorageaccountname).')
param dataVolumesAccountNameSecretName string = 'data-volumes-account-name'

@description('Key Vault secret with the data-volumes storage account key (written by this deployment; Kubernetes Secret pchub-data-volumes, key azurestorageaccountkey).')
param dataVolumesAccountKeySecretName string = 'data-volumes-account-key'

@description('Tags for every resource.')
param tags object = {}

var allTags = union(tags, {
  environment: environmentName
  'managed-by': 'bicep'
  project: 'pchub'
})

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${namePrefix}-rg'
  location: location
  tags: allTags
}

module network 'modules/network.bicep' = {
  name: 'network'
  scope: rg
  params: {
    location: location
    namePrefix: namePrefix
    tags: allTags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    location: location
    namePrefix: namePrefix
    retentionInDays: logRetentionInDays
    tags: allTags
  }
}

// Usage and spawn-chain figures in Application Insights, next to the data
// (docs/contracts.md#metrics).
module workbook 'modules/workbook.bicep' = {
  name: 'workbook'
  scope: rg
  params: {
    location: location
    appInsightsName: monitoring.outputs.appInsightsName
    displayName: 'pchub hub services (${environmentName})'
    tags: allTags
  }
}

module aks 'modules/aks.bicep' = {
  name: 'aks'
  scope: rg
  params: {
    location: location
    namePrefix: namePrefix
    kubernetesVersion: kubernetesVersion
    skuTier: aksSkuTier
    nodeSubnetId: network.outputs.nodeSubnetId
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
    apiServerAuthorizedIpRanges: apiServerAuthorizedIpRanges
    adminGroupObjectIds: clusterAdminGroupObjectIds
    coreVmSize: coreVmSize
    coreOsDiskType: coreOsDiskType
    coreMaxCount: coreMaxCount
    userVmSize: userVmSize
    userMinCount: userMinCount
    userMaxCount: userMaxCount
    cpuWorkerMaxCount: cpuWorkerMaxCount
    gpuUserMaxCount: gpuUserMaxCount
    gpuWorkerMaxCount: gpuWorkerMaxCount
    tags: allTags
  }
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  scope: rg
  params: {
    location: location
    name: registryName
    sku: registrySku
    kubeletObjectId: aks.outputs.kubeletObjectId
    tags: allTags
  }
}

// The Key Vault readers: the CSI add-on mounts their secrets as these identities, federated to
// the service accounts of the pods that read them (helm/README.md, "Secrets from Key Vault").
module hubIdentity 'modules/identity.bicep' = {
  name: 'hub-identity'
  scope: rg
  params: {
    location: location
    namePrefix: namePrefix
    oidcIssuerUrl: aks.outputs.oidcIssuerUrl
    namespace: environmentName
    // The jupyterhub chart's hub service account.
    serviceAccountName: 'hub'
    tags: allTags
  }
}

module userLookupIdentity 'modules/identity.bicep' = {
  name: 'user-lookup-identity'
  scope: rg
  params: {
    location: location
    namePrefix: namePrefix
    oidcIssuerUrl: aks.outputs.oidcIssuerUrl
    namespace: environmentName
    serviceAccountName: 'user-lookup'
    tags: allTags
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    location: location
    name: keyVaultName
    nodeSubnetId: network.outputs.nodeSubnetId
    allowedIpRanges: keyVaultAllowedIpRanges
    secretsOfficerGroupObjectId: keyVaultSecretsOfficerGroupObjectId
    webAppRoutingObjectId: aks.outputs.webAppRoutingObjectId
    secretReaderPrincipalIds: [
      hubIdentity.outputs.principalId
      userLookupIdentity.outputs.principalId
    ]
    tags: allTags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    location: location
    name: storageAccountName
    nodeSubnetId: network.outputs.nodeSubnetId
    shareQuotaGiB: dataShareQuotaGiB
    keyVaultName: keyVault.outputs.name
    accountNameSecretName: dataVolumesAccountNameSecretName
    accountKeySecretName: dataVolumesAccountKeySecretName
    tags: allTags
  }
}

module spawnWebhookIdentity 'modules/identity.bicep' = {
  name: 'spawn-webhook-identity'
  scope: rg
  params: {
    location: location
    namePrefix: namePrefix
    oidcIssuerUrl: aks.outputs.oidcIssuerUrl
    namespace: environmentName
    serviceAccountName: 'spawn-webhook'
    tags: allTags
  }
}

module apimAccess 'modules/apim-access.bicep' = {
  name: '${namePrefix}-apim-access'
  scope: resourceGroup(apimSubscriptionId, apimResourceGroup)
  params: {
    apimServiceName: apimServiceName
    principalId: spawnWebhookIdentity.outputs.principalId
    namePrefix: namePrefix
  }
}

@description('Resource group of the deployment.')
output resourceGroupName string = rg.name

@description('Name of the AKS cluster (az aks get-credentials).')
output aksName string = aks.outputs.name

@description('Name of the container registry (az acr login).')
output registryName string = registry.outputs.name

@description('Login server of the container registry.')
output acrLoginServer string = registry.outputs.loginServer

@description('Name of the Key Vault holding the deployment\'s secrets.')
output keyVaultName string = keyVault.outputs.name

@description('Name of the storage account of the data-volumes share.')
output storageAccountName string = storage.outputs.name

@description('Name of the data-volumes file share.')
output dataShareName string = storage.outputs.shareName

@description('Name of the Application Insights resource.')
output appInsightsName string = monitoring.outputs.appInsightsName

@description('Resource ID of the hub services workbook in Application Insights.')
output workbookId string = workbook.outputs.workbookId

@description('Client ID of spawn-webhook\'s workload identity.')
output spawnWebhookClientId string = spawnWebhookIdentity.outputs.clientId

@description('Client ID of the hub\'s workload identity (reads pchub-oauth and pchub-data-volumes from Key Vault).')
output hubClientId string = hubIdentity.outputs.clientId

@description('Client ID of user-lookup\'s workload identity (reads pchub-pc-id from Key Vault).')
output userLookupClientId string = userLookupIdentity.outputs.clientId

@description('Values for the pchub chart, passed as the last values file (helm/checks/infra-outputs.example.yaml has the same shape).')
output helmValues object = {
  image: {
    registry: registry.outputs.loginServer
  }
  telemetry: {
    applicationInsights: {
      connectionString: monitoring.outputs.connectionString
    }
  }
  keyVault: {
    name: keyVault.outputs.name
    tenantId: tenant().tenantId
    clientIds: {
      hub: hubIdentity.outputs.clientId
      'user-lookup': userLookupIdentity.outputs.clientId
    }
    secrets: {
      'pchub-oauth': {
        objects: {
          'client-secret': oauthClientSecretName
        }
      }
      'pchub-pc-id': {
        objects: {
          token: pcIdTokenSecretName
        }
      }
      'pchub-data-volumes': {
        objects: {
          azurestorageaccountname: dataVolumesAccountNameSecretName
          azurestorageaccountkey: dataVolumesAccountKeySecretName
        }
      }
    }
  }
  spawnWebhook: {
    workloadIdentity: {
      clientId: spawnWebhookIdentity.outputs.clientId
      tenantId: tenant().tenantId
    }
    env: {
      AZURE_SUBSCRIPTION_ID: apimSubscriptionId
      APIM_RESOURCE_GROUP: apimResourceGroup
      APIM_SERVICE_NAME: apimServiceName
    }
  }
  daskhub: {
    jupyterhub: {
      hub: {
        serviceAccount: {
          annotations: {
            'azure.workload.identity/client-id': hubIdentity.outputs.clientId
          }
        }
      }
      ingress: {
        annotations: {
          'kubernetes.azure.com/tls-cert-keyvault-uri': '${keyVault.outputs.uri}certificates/${tlsCertificateName}'
        }
      }
    }
  }
}
