// A user-assigned identity federated to one Kubernetes service account, so the pods running as
// that account (or the Key Vault CSI driver mounting for them) get Entra tokens through workload
// identity with no secret anywhere. One per reader: spawn-webhook (APIM keys), the hub and
// user-lookup (their Key Vault secrets).

@description('Azure region of the identity.')
param location string

@description('Prefix of resource names, e.g. pchub-staging.')
param namePrefix string

@description('OIDC issuer URL of the AKS cluster.')
param oidcIssuerUrl string

@description('Kubernetes namespace of the helm release.')
param namespace string

@description('Name of the service account the identity is federated to (the chart names ours after the service; the jupyterhub chart names the hub\'s `hub`).')
param serviceAccountName string

@description('Tags for every resource.')
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${namePrefix}-${serviceAccountName}-id'
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

@description('Client ID of the identity (the chart\'s workload identity values).')
output clientId string = identity.properties.clientId

@description('Principal (object) ID of the identity, for role assignments.')
output principalId string = identity.properties.principalId
