{{- /*
Key Vault secrets through AKS's azureKeyvaultSecretsProvider add-on (values keyVault). The add-on
syncs a SecretProviderClass into its Kubernetes Secret only while a pod mounts the class, so each
reader's pods mount the classes of the Secrets they read. Nothing here renders with
keyVault.handMadeSecrets, where operators create the Secrets themselves.
*/ -}}

{{- /* CSI volumes of the classes a reader mounts. Arguments: root, reader (service account). */ -}}
{{- define "pchub.keyVault.volumes" -}}
{{- if not .root.Values.keyVault.handMadeSecrets }}
{{- range $name, $secret := .root.Values.keyVault.secrets }}
{{- if eq $secret.reader $.reader }}
- name: key-vault-{{ $name }}
  csi:
    driver: secrets-store.csi.k8s.io
    readOnly: true
    volumeAttributes:
      secretProviderClass: {{ $name }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{- /* Their mounts, one directory per class (the files are the Key Vault secrets). Arguments as above. */ -}}
{{- define "pchub.keyVault.volumeMounts" -}}
{{- if not .root.Values.keyVault.handMadeSecrets }}
{{- range $name, $secret := .root.Values.keyVault.secrets }}
{{- if eq $secret.reader $.reader }}
- name: key-vault-{{ $name }}
  mountPath: /mnt/key-vault/{{ $name }}
  readOnly: true
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{- /*
Deployment annotations for stakater Reloader: a rolling restart when a Secret the pods read as
environment variables changes (the add-on rewrites synced Secrets on rotation; env is read only
at start). Inert on clusters without Reloader. Argument: a list of Secret names.
*/ -}}
{{- define "pchub.keyVault.reloadAnnotations" -}}
secret.reloader.stakater.com/reload: {{ join "," . | quote }}
{{- end -}}
