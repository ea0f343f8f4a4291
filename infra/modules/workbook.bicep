// The Azure Monitor workbook of the hub services (infra/workbooks/pchub.workbook.json) on the
// deployment's Application Insights: the figures of the chart's Grafana dashboard, from the
// customMetrics and traces the services' Azure Monitor exporter sends.

@description('Azure region of the workbook (that of Application Insights).')
param location string

@description('Name of the Application Insights resource the workbook belongs to and queries; in this resource group.')
param appInsightsName string

@description('Name of the workbook in the portal; unique in the resource group.')
param displayName string

@description('Tags for every resource.')
param tags object = {}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

// The file stays importable as it is (the portal's Advanced Editor); the deployment adds the
// resource its queries run on when the workbook is opened from Azure Monitor's gallery.
var content = union(json(loadTextContent('../workbooks/pchub.workbook.json')), {
  fallbackResourceIds: [appInsights.id]
})

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  // Workbook names are GUIDs: one derived from the component keeps redeploys in place.
  name: guid(appInsights.id, 'pchub-hub-services-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: displayName
    category: 'workbook'
    sourceId: appInsights.id
    serializedData: string(content)
    version: 'Notebook/1.0'
  }
}

@description('Resource ID of the workbook.')
output workbookId string = workbook.id
