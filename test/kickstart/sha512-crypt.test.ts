// SHA-512 crypt against the specification's vectors and two independent implementations.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { sha512Crypt } from '../../src/kickstart/sha512-crypt.js';

// From Drepper's specification (the test vectors at its end).
const SPEC: [string, string, string][] = [
  ['$6$saltstring', 'Hello world!', '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1'],
  [
    '$6$rounds=10000$saltstringsaltstring',
    'Hello world!',
    '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.',
  ],
  [
    '$6$rounds=5000$toolongsaltstring',
    'This is just a test',
    '$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0',
  ],
  [
    '$6$rounds=1400$anotherlongsaltstring',
    'a very much longer text to encrypt.  This one even stretches over morethan one line.',
    '$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1',
  ],
  [
    '$6$rounds=77777$short',
    'we have a short salt string but not a short password',
    '$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0',
  ],
  [
    '$6$rounds=123456$asaltof16chars..',
    'a short string',
    '$6$rounds=123456$asaltof16chars..$BtCwjqMJGx5hrJhZywWvt0RLE8uZ4oPwcelCjmw2kSYu.Ec6ycULevoBK25fs2xXgMNrCzIMVcgEJAstJeonj1',
  ],
  [
    '$6$rounds=10$roundstoolow',
    'the minimum number is still observed',
    '$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX.',
  ],
];

describe('sha512Crypt', () => {
  it.each(SPEC)('When the setting is %s, then the specification’s hash comes out', (setting, password, expected) => {
    expect(sha512Crypt(password, setting)).toBe(expected);
  });

  it('When hashing random passwords, then glibc (python crypt) agrees, when it is there', () => {
    let python = true;
    try {
      execFileSync('python3', ['-W', 'ignore', '-c', 'import crypt'], { stdio: 'ignore' });
    } catch {
      python = false;
    }
    if (!python) return; // the spec vectors above still ran
    for (const password of ['', 'x', 'pässwörd ✓', 'a'.repeat(200), 'quote\' and "double" $(x)']) {
      const mine = sha512Crypt(password, '$6$abcdefgh12345678');
      const glibc = execFileSync(
        'python3',
        ['-W', 'ignore', '-c', 'import crypt,sys; print(crypt.crypt(sys.argv[1], sys.argv[2]))', password, '$6$abcdefgh12345678'],
        { encoding: 'utf-8' },
      ).trim();
      expect(mine).toBe(glibc);
    }
  });

  it('When openssl is there, then `openssl passwd -6` agrees', () => {
    let out: string;
    try {
      out = execFileSync('openssl', ['passwd', '-6', '-salt', 'Ksalt0123', 'correct horse'], { encoding: 'utf-8' }).trim();
    } catch {
      return; // no openssl on this machine; .ci/run installs it
    }
    expect(sha512Crypt('correct horse', '$6$Ksalt0123')).toBe(out);
  });

  it('When no salt is given, then a random 16-character one is used', () => {
    const a = sha512Crypt('pw');
    const b = sha512Crypt('pw');
    expect(a).toMatch(/^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
    expect(a).not.toBe(b);
  });
});
