// Log Analytics (cluster logs through Container Insights) and a workspace-based Application
// Insights resource that receives our services' metrics and session logs.

@description('Azure region of the workspace and Application Insights.')
param location string

@description('Prefix of resource names, e.g. pchub-staging.')
param namePrefix string

@description('Days Log Analytics keeps data.')
@minValue(30)
@maxValue(730)
param retentionInDays int = 90

@description('Tags for every resource.')
param tags object = {}

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${namePrefix}-logs'
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${namePrefix}-appinsights'
  location: location
  tags: tags
  kind: 'other'
  properties: {
    Application_Type: 'other'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
    // The services send with the connection string's key (Azure Monitor exporter); Entra
    // ingestion would need an identity per service.
    DisableLocalAuth: false
  }
}

@description('Resource ID of the Log Analytics workspace.')
output workspaceId string = workspace.id

@description('Name of the Application Insights resource.')
output appInsightsName string = appInsights.name

// Not a secret (Azure Monitor's own guidance): it names the ingestion endpoint and the
// component, and only lets its holder send telemetry. So it travels as a chart value (helmValues),
// not through Key Vault; it changes only if the component is recreated.
@description('Connection string of Application Insights, for the services\' Azure Monitor exporter (chart value telemetry.applicationInsights.connectionString).')
output connectionString string = appInsights.properties.ConnectionString
