// The AKS cluster: OIDC issuer and workload identity (spawn-webhook's Azure access), Cilium
// network policies (the chart's NetworkPolicies), the application routing add-on (the hub's
// ingress), Container Insights, and the node pools the chart and Dask Gateway place pods on:
//   core       hub.jupyter.org/node-purpose=core: hub, proxy, our services, Dask Gateway
//   user       node-purpose=user, pc.microsoft.com/userkind=cpu, taint hub.jupyter.org_dedicated=user
//   gpuuser    as user with userkind=gpu, plus taint nvidia.com/gpu=present (GPU profiles)
//   cpuworker  spot; k8s.dask.org/dedicated=worker, pc.microsoft.com/workerkind=cpu
//   gpuworker  spot; as cpuworker with workerkind=gpu, plus taint nvidia.com/gpu=present
// (helm/pchub/values.yaml: profileList affinities and tolerations, the cluster-options handler).

@description('Azure region of the cluster.')
param location string

@description('Prefix of resource names, e.g. pchub-staging.')
param namePrefix string

@description('Kubernetes version (minor, e.g. 1.34): patch upgrades follow the patch channel.')
param kubernetesVersion string

@description('AKS pricing tier: Standard has the uptime SLA production needs.')
@allowed(['Free', 'Standard'])
param skuTier string = 'Standard'

@description('Resource ID of the subnet for all node pools.')
param nodeSubnetId string

@description('Resource ID of the Log Analytics workspace for Container Insights.')
param logAnalyticsWorkspaceId string

@description('CIDR ranges allowed to reach the Kubernetes API server (operators, CI runners).')
param apiServerAuthorizedIpRanges array

@description('Entra group object IDs that administer the cluster (Azure RBAC for Kubernetes).')
param adminGroupObjectIds array = []

@description('VM size of the core pool (hub, proxy, our services, Dask Gateway).')
param coreVmSize string

@description('OS disk type of the core pool: Ephemeral needs a VM size with a large enough cache.')
@allowed(['Ephemeral', 'Managed'])
param coreOsDiskType string = 'Ephemeral'

@description('Node count bounds of the core pool.')
param coreMinCount int = 1

@description('Maximum node count of the core pool.')
param coreMaxCount int = 3

@description('VM size of the CPU user pool (notebook servers of the CPU profiles).')
param userVmSize string = 'Standard_E8s_v5'

@description('Minimum node count of the CPU user pool (warm capacity).')
param userMinCount int = 0

@description('Maximum node count of the CPU user pool.')
param userMaxCount int = 100

@description('VM size of the spot CPU Dask worker pool.')
param cpuWorkerVmSize string = 'Standard_E8s_v5'

@description('Maximum node count of the spot CPU Dask worker pool.')
param cpuWorkerMaxCount int = 100

@description('VM size of both GPU pools (user servers and Dask workers).')
param gpuVmSize string = 'Standard_NC4as_T4_v3'

@description('Maximum node count of the GPU user pool.')
param gpuUserMaxCount int = 25

@description('Maximum node count of the spot GPU Dask worker pool.')
param gpuWorkerMaxCount int = 25

@description('Encrypt temp disks and caches on the hosts (needs the EncryptionAtHost feature on the subscription).')
param enableEncryptionAtHost bool = true

@description('Tags for every resource.')
param tags object = {}

var userTaint = 'hub.jupyter.org_dedicated=user:NoSchedule'
var gpuTaint = 'nvidia.com/gpu=present:NoSchedule'
var spotTaint = 'kubernetes.azure.com/scalesetpriority=spot:NoSchedule'
var workerTaint = 'k8s.dask.org_dedicated=worker:NoSchedule'

resource aks 'Microsoft.ContainerService/managedClusters@2025-05-01' = {
  // Public API server on purpose: a private one would need a jump host or private CI runners;
  // authorizedIPRanges, Entra ID and Azure RBAC guard it. Disks use platform-managed keys.
  // checkov:skip=CKV_AZURE_172: rotation is on (enableSecretRotation 'true' below); the check expects a boolean where ARM's add-on config only takes strings.
  name: '${namePrefix}-aks'
  location: location
  tags: tags
  sku: {
    name: 'Base'
    tier: skuTier
  }
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    kubernetesVersion: kubernetesVersion
    dnsPrefix: namePrefix
    enableRBAC: true
    disableLocalAccounts: true
    aadProfile: {
      managed: true
      enableAzureRBAC: true
      adminGroupObjectIDs: adminGroupObjectIds
    }
    oidcIssuerProfile: {
      enabled: true
    }
    securityProfile: {
      workloadIdentity: {
        enabled: true
      }
      imageCleaner: {
        enabled: true
        intervalHours: 168
      }
    }
    autoUpgradeProfile: {
      upgradeChannel: 'patch'
      nodeOSUpgradeChannel: 'NodeImage'
    }
    apiServerAccessProfile: {
      authorizedIPRanges: apiServerAuthorizedIpRanges
    }
    networkProfile: {
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
      networkDataplane: 'cilium'
      networkPolicy: 'cilium'
      podCidr: '192.168.0.0/16'
      serviceCidr: '172.16.0.0/16'
      dnsServiceIP: '172.16.0.10'
      loadBalancerSku: 'standard'
      outboundType: 'loadBalancer'
    }
    ingressProfile: {
      webAppRouting: {
        enabled: true
      }
    }
    addonProfiles: {
      omsagent: {
        enabled: true
        config: {
          logAnalyticsWorkspaceResourceID: logAnalyticsWorkspaceId
          useAADAuth: 'true'
        }
      }
      azureKeyvaultSecretsProvider: {
        enabled: true
        config: {
          enableSecretRotation: 'true'
          rotationPollInterval: '2m'
        }
      }
      azurepolicy: {
        enabled: true
      }
      kubeDashboard: {
        enabled: false
      }
    }
    autoScalerProfile: {
      // GPU and spot nodes are expensive: remove them soon after they empty.
      'skip-nodes-with-system-pods': 'false'
      'scale-down-unneeded-time': '2m'
      'scale-down-unready-time': '2m'
      'scale-down-delay-after-add': '5m'
      'max-empty-bulk-delete': '50'
    }
    agentPoolProfiles: [
      {
        name: 'core'
        mode: 'System'
        type: 'VirtualMachineScaleSets'
        osType: 'Linux'
        osSKU: 'AzureLinux'
        vnetSubnetID: nodeSubnetId
        enableAutoScaling: true
        maxPods: 110
        orchestratorVersion: kubernetesVersion
        enableEncryptionAtHost: enableEncryptionAtHost
        vmSize: coreVmSize
        osDiskType: coreOsDiskType
        osDiskSizeGB: 100
        count: coreMinCount
        minCount: coreMinCount
        maxCount: coreMaxCount
        nodeLabels: {
          'hub.jupyter.org/node-purpose': 'core'
        }
        upgradeSettings: {
          maxSurge: '10%'
        }
      }
    ]
  }
}

resource userPool 'Microsoft.ContainerService/managedClusters/agentPools@2025-05-01' = {
  parent: aks
  name: 'user'
  // Every pool: Azure Linux on the node subnet, autoscaled, 110 pods per node.
  properties: {
    mode: 'User'
    type: 'VirtualMachineScaleSets'
    osType: 'Linux'
    osSKU: 'AzureLinux'
    vnetSubnetID: nodeSubnetId
    enableAutoScaling: true
    maxPods: 110
    orchestratorVersion: kubernetesVersion
    enableEncryptionAtHost: enableEncryptionAtHost
    vmSize: userVmSize
    osDiskSizeGB: 200
    count: userMinCount
    minCount: userMinCount
    maxCount: userMaxCount
    nodeLabels: {
      'hub.jupyter.org/node-purpose': 'user'
      'hub.jupyter.org/pool-name': 'user-pool'
      'pc.microsoft.com/userkind': 'cpu'
    }
    nodeTaints: [userTaint]
  }
}

resource gpuUserPool 'Microsoft.ContainerService/managedClusters/agentPools@2025-05-01' = {
  parent: aks
  name: 'gpuuser'
  // Every pool: Azure Linux on the node subnet, autoscaled, 110 pods per node.
  properties: {
    mode: 'User'
    type: 'VirtualMachineScaleSets'
    osType: 'Linux'
    osSKU: 'AzureLinux'
    vnetSubnetID: nodeSubnetId
    enableAutoScaling: true
    maxPods: 110
    orchestratorVersion: kubernetesVersion
    enableEncryptionAtHost: enableEncryptionAtHost
    vmSize: gpuVmSize
    osDiskSizeGB: 200
    count: 0
    minCount: 0
    maxCount: gpuUserMaxCount
    nodeLabels: {
      'hub.jupyter.org/node-purpose': 'user'
      'hub.jupyter.org/pool-name': 'gpu-user-pool'
      'pc.microsoft.com/userkind': 'gpu'
    }
    nodeTaints: [userTaint, gpuTaint]
  }
}

resource cpuWorkerPool 'Microsoft.ContainerService/managedClusters/agentPools@2025-05-01' = {
  parent: aks
  name: 'cpuworker'
  // Every pool: Azure Linux on the node subnet, autoscaled, 110 pods per node.
  properties: {
    mode: 'User'
    type: 'VirtualMachineScaleSets'
    osType: 'Linux'
    osSKU: 'AzureLinux'
    vnetSubnetID: nodeSubnetId
    enableAutoScaling: true
    maxPods: 110
    orchestratorVersion: kubernetesVersion
    enableEncryptionAtHost: enableEncryptionAtHost
    vmSize: cpuWorkerVmSize
    osDiskSizeGB: 128
    count: 0
    minCount: 0
    maxCount: cpuWorkerMaxCount
    scaleSetPriority: 'Spot'
    scaleSetEvictionPolicy: 'Delete'
    spotMaxPrice: -1
    nodeLabels: {
      'k8s.dask.org/dedicated': 'worker'
      'pc.microsoft.com/workerkind': 'cpu'
    }
    nodeTaints: [spotTaint, workerTaint]
  }
}

resource gpuWorkerPool 'Microsoft.ContainerService/managedClusters/agentPools@2025-05-01' = {
  parent: aks
  name: 'gpuworker'
  // Every pool: Azure Linux on the node subnet, autoscaled, 110 pods per node.
  properties: {
    mode: 'User'
    type: 'VirtualMachineScaleSets'
    osType: 'Linux'
    osSKU: 'AzureLinux'
    vnetSubnetID: nodeSubnetId
    enableAutoScaling: true
    maxPods: 110
    orchestratorVersion: kubernetesVersion
    enableEncryptionAtHost: enableEncryptionAtHost
    vmSize: gpuVmSize
    osDiskSizeGB: 128
    count: 0
    minCount: 0
    maxCount: gpuWorkerMaxCount
    scaleSetPriority: 'Spot'
    scaleSetEvictionPolicy: 'Delete'
    spotMaxPrice: -1
    nodeLabels: {
      'k8s.dask.org/dedicated': 'worker'
      'pc.microsoft.com/workerkind': 'gpu'
    }
    nodeTaints: [spotTaint, workerTaint, gpuTaint]
  }
}

@description('Name of the cluster.')
output name string = aks.name

@description('OIDC issuer URL of the cluster, the issuer of the federated credentials.')
output oidcIssuerUrl string = aks.properties.oidcIssuerProfile.issuerURL

@description('Object ID of the kubelet identity, which pulls images from the registry.')
output kubeletObjectId string = aks.properties.identityProfile.kubeletidentity.objectId

@description('Object ID of the application routing add-on identity, which reads TLS certificates from Key Vault.')
output webAppRoutingObjectId string = aks.properties.ingressProfile.webAppRouting.identity.objectId
