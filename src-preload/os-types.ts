// The operating systems a marketplace's image form lists, by os-release ID: data shared by the release validation
// (src-main/rules/release.ts, image.os-mismatch) and the wizard's prefill (src-renderer), so it sits below both.

/** SCP's OS types by os-release ID. */
export const SCP_OS_TYPES: Readonly<Record<string, string>> = {
  almalinux: 'Alma Linux',
  centos: 'CentOS',
  ol: 'Oracle Linux',
  rhel: 'RHEL',
  rocky: 'Rocky Linux',
  ubuntu: 'Ubuntu',
  sles: 'SLES',
  sles_sap: 'SLES',
}
