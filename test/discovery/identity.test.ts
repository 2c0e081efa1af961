import { describe, expect, it } from 'vitest';
import { identityOf, realSerial, realUuid } from '../../src/discovery/identity.js';
import { readSighting, Sightings } from '../../src/discovery/sightings.js';

describe('identity', () => {
  it.each([
    '00000000-0000-0000-0000-000000000000',
    'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
    '03000200-0400-0500-0006-000700080009',
    'Not Settable',
    '',
  ])('When the DMI UUID is the placeholder %j, then it is not an identity', (uuid) => expect(realUuid(uuid)).toBeUndefined());

  it('When the DMI UUID is real, then it is normalised to lower case', () => {
    expect(realUuid(' 4C4C4544-0051-3010-8052-B4C04F4B4E32 ')).toBe('4c4c4544-0051-3010-8052-b4c04f4b4e32');
  });

  it.each(['To be filled by O.E.M.', 'Default string', '0123456789', 'System Serial Number', 'Not Specified', '   ', '0000000'])(
    'When the serial is the placeholder %j, then it is dropped',
    (s) => expect(realSerial(s)).toBeUndefined(),
  );

  it('When facts are read, then MACs are lower-cased and de-duplicated', () => {
    const id = identityOf({
      boot_mac: 'AA:BB:CC:00:11:22',
      nics: [
        { name: 'a', mac: 'AA:BB:CC:00:11:22' },
        { name: 'b', mac: 'aa:bb:cc:00:11:22' },
      ],
    });
    expect(id).toEqual({ boot_mac: 'aa:bb:cc:00:11:22', macs: ['aa:bb:cc:00:11:22'] });
  });
});

describe('sightings', () => {
  it('When dracut headers are junk, then they are ignored', () => {
    expect(
      readSighting(
        { 'x-rhn-provisioning-mac-0': 'eth0 not-a-mac', 'x-rhn-provisioning-mac-1': '$(reboot) 02:00:00:00:00:01' },
        '192.0.2.1',
      ),
    ).toBeUndefined();
  });

  it('When the cache is full, then the oldest MACs are forgotten first', () => {
    const s = new Sightings(2);
    for (const mac of ['02:00:00:00:00:01', '02:00:00:00:00:02', '02:00:00:00:00:03'])
      s.remember({ at: new Date().toISOString(), ip: 'x', macs: [mac] });
    expect(s.take(['02:00:00:00:00:01'])).toBeUndefined();
    expect(s.take(['02:00:00:00:00:03'])?.macs).toEqual(['02:00:00:00:00:03']);
    expect(s.take(['02:00:00:00:00:03'])).toBeUndefined(); // taken once
  });

  it('When a sighting is older than its time to live, then it is not attached', () => {
    const s = new Sightings(10, 1000);
    s.remember({ at: new Date(Date.now() - 5000).toISOString(), ip: 'x', macs: ['02:00:00:00:00:09'] });
    expect(s.take(['02:00:00:00:00:09'])).toBeUndefined();
  });
});
