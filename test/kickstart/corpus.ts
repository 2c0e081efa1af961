// The validator's corpus: kickstarts with the findings expected per version, shared by the validator's
// tests and the check against a real pykickstart (pykickstart.check.ts).
import type { KickstartVersion } from '../../src/kickstart/validate/index.js';

export const VERSIONS = ['RHEL8', 'RHEL9', 'RHEL10', 'F44'] as const satisfies readonly KickstartVersion[];
export type Expected = Partial<Record<(typeof VERSIONS)[number] | 'all', string[]>>;
// Kickstand's own rules, which pykickstart does not have.
export const KICKSTAND_ONLY = new Set(['DUPLICATE_COMMAND', 'INCLUDE', 'KSAPPEND', 'PRE_IN_INCLUDED', 'INCLUDE_IN_SECTION']);

const OK = `text
url --url=http://192.0.2.20/os
lang en_US.UTF-8
keyboard --vckeymap=us
timezone Etc/UTC --utc
rootpw --lock
network --device=52:54:00:6b:3c:1e --bootproto=dhcp --hostname=a.example.com --activate
ignoredisk --only-use=vda
clearpart --all --initlabel --drives=vda
autopart --type=lvm
reboot

%packages
@^minimal-environment
vim-enhanced
%end

%post --log=/root/ks-post.log
printf '%s\\n' ok
%end
`;

// [name, kickstart, expected finding codes per version ('all' for every version not named)]
export const CORPUS: [string, string, Expected][] = [
  ['a plain kickstart', OK, { all: [] }],
  ['timesource', 'timesource --ntp-server=ntp.example.com\n', { RHEL8: ['UNKNOWN_COMMAND'], all: [] }],
  ['timezone --ntpservers', 'timezone UTC --ntpservers=a\n', { RHEL8: [], RHEL10: ['UNKNOWN_OPTION'], all: ['DEPRECATED_OPTION'] }],
  ['timezone --isUtc', 'timezone UTC --isUtc\n', { RHEL8: [], RHEL10: ['UNKNOWN_OPTION'], all: ['DEPRECATED_OPTION'] }],
  ['timezone without a zone or option', 'timezone\n', { all: ['BAD_ARGUMENTS'] }],
  ['timezone with two zones', 'timezone a b\n', { all: ['BAD_ARGUMENTS'] }],
  ['auth', 'auth --enableshadow\n', { RHEL8: ['DEPRECATED_COMMAND'], RHEL9: ['DEPRECATED_COMMAND'], all: ['REMOVED_COMMAND'] }],
  ['install', 'install\n', { RHEL8: ['DEPRECATED_COMMAND'], all: ['REMOVED_COMMAND'] }],
  [
    'btrfs',
    'btrfs / --data=1 btrfs.01\n',
    { RHEL8: ['DEPRECATED_COMMAND'], RHEL9: ['DEPRECATED_COMMAND'], RHEL10: ['REMOVED_COMMAND'], F44: [] },
  ],
  ['method', 'method --url=http://x\n', { RHEL9: ['DEPRECATED_COMMAND'], all: ['REMOVED_COMMAND'] }],
  [
    '%packages --excludeWeakdeps',
    '%packages --excludeWeakdeps\n%end\n',
    { RHEL8: [], RHEL10: ['SECTION_OPTION'], all: ['DEPRECATED_OPTION'] },
  ],
  ['%packages --exclude-weakdeps', '%packages --exclude-weakdeps\n%end\n', { RHEL8: ['SECTION_OPTION'], all: [] }],
  ['%packages --default --nocore', '%packages --default --nocore\n%end\n', { all: ['SECTION_OPTION'] }],
  ['a lone - in %packages', '%packages\n-\n%end\n', { all: ['PACKAGE_LINE'] }],
  ['a group with --nodefaults and --optional', '%packages\n@core --nodefaults --optional\n%end\n', { all: ['PACKAGE_LINE'] }],
  ['%traceback', '%traceback\necho x\n%end\n', { RHEL8: [], all: ['DEPRECATED_SECTION'] }],
  ['%onerror', '%onerror --erroronfail\necho x\n%end\n', { all: [] }],
  ['%addon', '%addon com_redhat_kdump --enable --reserve-mb=auto\n%end\n', { all: [] }],
  ['an unknown section', '%foo\nbar\n%end\n', { all: ['UNKNOWN_SECTION'] }],
  ['a stray %end', 'text\n%end\n', { all: ['STRAY_END'] }],
  ['a %post without %end', '%post\necho x\n', { all: ['UNTERMINATED_SECTION'] }],
  ['a script line starting with %packages', '%post\necho x\n  %packages\n%end\n', { all: ['UNTERMINATED_SECTION'] }],
  [
    'a script line starting with %end',
    '%post\necho start\n%end of the story\necho more\n%end\n',
    { all: ['UNKNOWN_COMMAND', 'STRAY_END'] },
  ],
  ['a script line starting with an unknown %word', '%post\n%s is fine\n  %define x\n%end\n', { all: [] }],
  ['%include inside a script', '%post\n%include /tmp/x\n%end\n', { all: ['INCLUDE_IN_SECTION'] }],
  ['%include', '%include /tmp/part.ks\n', { all: ['INCLUDE'] }],
  ['%include without a file', '%include\n', { all: ['SYNTAX'] }],
  ['%ksappend', '%ksappend http://192.0.2.1/x.ks\n', { all: ['KSAPPEND'] }],
  ['%pre in an included kickstart', '%pre\necho x\n%end\n', { all: ['PRE_IN_INCLUDED'] }],
  ['%pre-install in an included kickstart', '%pre-install\necho x\n%end\n', { all: [] }],
  ['reboot and poweroff', 'reboot\npoweroff\n', { all: ['DUPLICATE_COMMAND'] }],
  ['text twice', 'text\ntext\n', { all: ['DUPLICATE_COMMAND'] }],
  [
    'two network lines for one device',
    'network --device=eth0 --bootproto=dhcp\nnetwork --device=eth0 --bootproto=static --ip=192.0.2.5 --netmask=255.255.255.0\n',
    { all: ['DUPLICATE_ENTRY'] },
  ],
  ['two network lines for two devices', 'network --device=eth0 --bootproto=dhcp\nnetwork --device=eth1 --bootproto=dhcp\n', { all: [] }],
  ['one mount point twice', 'part /boot/ --size=1024\npart /boot --size=1024\n', { all: ['DUPLICATE_ENTRY'] }],
  ['two swap partitions', 'part swap --size=1024\npart swap --size=1024\n', { all: [] }],
  [
    'two sshkey lines for root',
    'sshkey --username=root "ssh-ed25519 AAAA1"\nsshkey --username=root "ssh-ed25519 AAAA2"\n',
    { all: ['DUPLICATE_ENTRY'] },
  ],
  ['two repos with one name', 'repo --name=a --baseurl=http://x/\nrepo --name=a --baseurl=http://y/\n', { all: ['DUPLICATE_ENTRY'] }],
  ['autopart then part', 'autopart\npart / --size=1\n', { all: ['CONFLICTING_COMMANDS'] }],
  ['reqpart then autopart', 'reqpart\nautopart\n', { all: ['CONFLICTING_COMMANDS'] }],
  ['an unknown option', 'network --bogus\n', { all: ['UNKNOWN_OPTION'] }],
  ['an abbreviated option', 'network --devic=eth0 --bootp=dhcp\n', { all: [] }],
  ['an ambiguous abbreviation', 'network --ipv=x\n', { all: ['UNKNOWN_OPTION'] }],
  ['an option without its value', 'network --device\n', { all: ['BAD_OPTION'] }],
  ['an option whose value looks like an option', 'network --device --activate\n', { all: ['BAD_OPTION'] }],
  ['a flag with a value', 'reboot --eject=yes\n', { all: ['BAD_OPTION'] }],
  ['a bad integer', 'bootloader --timeout=soon\n', { all: ['BAD_OPTION'] }],
  ['integers as Python reads them', 'bootloader --timeout=+5\npart / --size=1_000\n', { all: [] }],
  ['a bad boolean', 'network --device=eth0 --onboot=maybe\n', { all: ['BAD_OPTION'] }],
  ['a value outside the choices', 'network --bootproto=STATIC\n', { all: ['BAD_OPTION'] }],
  ['a required option missing', 'repo --baseurl=http://x/\n', { all: ['BAD_OPTION'] }],
  ['a missing argument', 'lang\n', { all: ['BAD_ARGUMENTS'] }],
  ['an extra argument', 'zerombr now\n', { all: ['BAD_ARGUMENTS'] }],
  ['rootpw without a password', 'rootpw --iscrypted\n', { all: ['BAD_ARGUMENTS'] }],
  ['rootpw --allow-ssh', 'rootpw --allow-ssh --iscrypted $6$x$y\n', { RHEL8: ['UNKNOWN_OPTION'], all: [] }],
  ['url without a source', 'url --proxy=http://p:3128\n', { all: ['BAD_OPTION'] }],
  ['url with two sources', 'url --url=http://x/ --mirrorlist=http://y/\n', { all: ['BAD_OPTION'] }],
  ['two timesources on one line', 'timesource --ntp-server=a --ntp-pool=b\n', { RHEL8: ['UNKNOWN_COMMAND'], all: ['BAD_OPTION'] }],
  ['keyboard with two layouts', 'keyboard us de\n', { all: ['BAD_ARGUMENTS'] }],
  ['autopart --type=btrfs', 'autopart --type=btrfs\n', { F44: [], all: ['BAD_ARGUMENTS'] }],
  ['a logical volume without a size', 'logvol / --vgname=vg --name=root --grow\n', { all: ['BAD_ARGUMENTS'] }],
  ['a volume group without members', 'volgroup vg\n', { all: ['BAD_ARGUMENTS'] }],
  ['script options', '%post --interpreter /bin/bash --erroronfail --log=/root/x.log --nochroot\necho\n%end\n', { all: [] }],
  ['a bad script option', '%post --bogus\necho\n%end\n', { all: ['SECTION_OPTION'] }],
  ['a script argument', '%post extra\necho\n%end\n', { all: ['SECTION_OPTION'] }],
  ['%certificate without --dir', '%certificate --filename=a.pem\nx\n%end\n', { all: ['SECTION_OPTION'] }],
  ['an empty %certificate', '%certificate --filename=a.pem --dir=/etc/pki\n%end\n', { all: ['EMPTY_SECTION'] }],
  ['an unclosed quote', 'network --hostname="a.example.com\n', { all: ['SYNTAX'] }],
  ['an empty quoted command', '""\n', { all: ['SYNTAX'] }],
  ['a trailing backslash at the end of the file', 'text \\', { all: ['SYNTAX'] }],
  ['a comment after a command', 'text # the installer UI\nurl --url=http://x/os#not-part-of-the-url\n', { all: [] }],
  ['indented commands and comments', '  text\n\t# comment\n   \nskipx\n', { all: [] }],
  [
    'quoted values',
    `network --device=eth0 --hostname='a.example.com' --ethtool="autoneg off"\nbootloader --append='console=ttyS0,115200n8 quiet'\n`,
    { all: [] },
  ],
  ['a U+2028 inside a command line', 'text\u2028bogus\n', { all: ['UNKNOWN_COMMAND', 'UNKNOWN_COMMAND'] }],
  ['a vertical tab inside a command line', 'skipx\vtext\n', { all: ['UNKNOWN_COMMAND'] }],
  ['CRLF line ends', 'text\r\nskipx\r\n%packages\r\n@core\r\n%end\r\n', { all: [] }],
  ['an unknown command', 'frobnicate --now\n', { all: ['UNKNOWN_COMMAND'] }],
];
