// The BMC's words out of a Redfish error body, as iDRAC, iLO and OpenBMC shape them.
import { describe, expect, it } from 'vitest';
import { extendedMessages, pathOf } from '../../src/bmc/drivers/redfish-client.js';

describe('extendedMessages', () => {
  it('When ExtendedInfo has Messages (iDRAC, OpenBMC), then they are quoted', () => {
    const idrac = {
      error: {
        code: 'Base.1.7.GeneralError',
        message: 'A general error has occurred. See ExtendedInfo for more information',
        '@Message.ExtendedInfo': [{ Message: 'The maximum number of user sessions is reached.', MessageId: 'IDRAC.2.4.RAC0218' }],
      },
    };
    expect(extendedMessages(idrac)).toBe('"The maximum number of user sessions is reached."');
  });
  it('When ExtendedInfo has only MessageID and MessageArgs (iLO), then those stand for the message', () => {
    const ilo = {
      error: {
        code: 'iLO.0.10.ExtendedInfo',
        message: 'See @Message.ExtendedInfo for more information.',
        '@Message.ExtendedInfo': [{ MessageArgs: ['Power is off'], MessageID: 'iLO.0.10.InvalidOperationForSystemState' }],
      },
    };
    expect(extendedMessages(ilo)).toBe('"iLO.0.10.InvalidOperationForSystemState (Power is off)"');
  });
  it('When there is no ExtendedInfo, then error.message; when no error at all, nothing', () => {
    expect(extendedMessages({ error: { code: 'X', message: 'Busy.' } })).toBe('"Busy."');
    expect(extendedMessages({})).toBeUndefined();
  });
});

describe('pathOf', () => {
  it('When a Location is a full URL (iLO), then only its path is followed', () => {
    expect(pathOf('https://10.0.0.5/redfish/v1/SessionService/Sessions/abc/')).toBe('/redfish/v1/SessionService/Sessions/abc/');
    expect(pathOf('/redfish/v1/Systems/1')).toBe('/redfish/v1/Systems/1');
  });
});
