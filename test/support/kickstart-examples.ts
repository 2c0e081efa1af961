// The golden examples: each shipped template rendered with these params is compared byte for byte with
// test/fixtures/rendered/<name>.ks, which was validated with pykickstart's ksvalidator for that version.
// name → [template, pykickstart version the golden was validated for, params]
export const EXAMPLES: Record<string, [string, string, Record<string, unknown>]> = {
  'rhel8-dhcp-ntp': [
    'rhel.ks.njk',
    'RHEL8',
    {
      repo: 'http://mirror.example.com/rhel8/BaseOS/x86_64/os',
      version: '8.10',
      root_password_hash: '$6$rounds=5000$abc$x',
      ntp_servers: ['ntp1.example.com', 'ntp2.example.com'],
    },
  ],
  'rhel9-static-simple': [
    'rhel.ks.njk',
    'RHEL9',
    {
      repo: 'http://mirror.example.com/rhel9/BaseOS/x86_64/os',
      version: '9.4',
      root_password_hash: '$6$abc$xyz',
      partitioning: 'simple',
      ip: '192.0.2.50',
      netmask: '255.255.255.0',
      gateway: '192.0.2.1',
      nameservers: ['192.0.2.53', '192.0.2.54'],
      packages: ['vim-enhanced', 'tmux'],
      ssh_keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample me@laptop'],
    },
  ],
  'rhel10-repos-locked-root': [
    'rhel.ks.njk',
    'RHEL10',
    {
      repo: 'http://mirror.example.com/rhel10/BaseOS/x86_64/os',
      version: '10.0',
      ntp_servers: ['ntp1.example.com'],
      repos: [{ name: 'AppStream', url: 'http://mirror.example.com/rhel10/AppStream/x86_64/os' }],
      timezone: 'Europe/Amsterdam',
      lang: 'nl_NL.UTF-8',
      keyboard: 'nl',
    },
  ],
  'fedora-poweroff': [
    'fedora.ks.njk',
    'F42',
    {
      repo: 'http://mirror.example.com/fedora/releases/42/Everything/x86_64/os',
      root_password_hash: '$6$abc$xyz',
      finish: 'poweroff',
      disk: 'sda',
      autopart_type: 'btrfs',
    },
  ],
};
