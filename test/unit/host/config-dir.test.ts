import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfigDir } from '../../../src-main/host/config-dir';

describe('defaultConfigDir', () => {
  it('honours HEARTH_CONFIG_DIR, else the platform convention', () => {
    expect(defaultConfigDir({ HEARTH_CONFIG_DIR: '/tmp/h' }, 'linux', '/home/u')).toBe(path.resolve('/tmp/h'));
    expect(defaultConfigDir({ HEARTH_CONFIG_DIR: '  ' }, 'linux', '/home/u')).toBe('/home/u/.config/hearth');
    expect(defaultConfigDir({}, 'linux', '/home/u')).toBe('/home/u/.config/hearth');
    expect(defaultConfigDir({ XDG_CONFIG_HOME: '/xdg' }, 'linux', '/home/u')).toBe('/xdg/hearth');
    expect(defaultConfigDir({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Application Support/Hearth');
    expect(defaultConfigDir({ APPDATA: 'C:/Users/u/AppData/Roaming' }, 'win32', 'C:/Users/u')).toBe(path.join('C:/Users/u/AppData/Roaming', 'Hearth'));
  });
});
