import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection } from '../db/connection.js';
import { NasActivity } from './nas-activity.js';
import * as nasData from './nas.js';
import { NasDirectory } from './nas-directory.js';

const box = createSecretBox(Buffer.alloc(32, 5));
let daemon: Connection;
let other: Connection;

beforeEach(() => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'lango-nas-')), 'lango.db');
  daemon = openDatabase(file);
  other = openDatabase(file); // the CLI, in another process
});

afterEach(() => {
  daemon.close();
  other.close();
  vi.restoreAllMocks();
});

describe('router directory', () => {
  it('serves a router added by another process from its very first packet', () => {
    const directory = new NasDirectory(daemon.db, box, pino({ level: 'silent' }));
    directory.load();
    expect(directory.find('10.0.0.1')).toBeUndefined();
    nasData.addNas(other.db, box, { name: 'R1', ip: '10.0.0.1', secret: 'testing123' });
    expect(directory.find('10.0.0.1')?.secret.toString()).toBe('testing123');
    expect(directory.find('::ffff:10.0.0.1')?.name).toBe('R1');
  });

  it('does not reload for packets from addresses nobody added', () => {
    nasData.addNas(other.db, box, { name: 'R1', ip: '10.0.0.1', secret: 'testing123' });
    const directory = new NasDirectory(daemon.db, box, pino({ level: 'silent' }));
    directory.load();
    const loads = vi.spyOn(nasData, 'loadRadiusClients');
    for (let i = 0; i < 100; i++) expect(directory.find('192.0.2.66')).toBeUndefined();
    expect(loads).not.toHaveBeenCalled();
    directory.load();
    expect(loads).toHaveBeenCalledTimes(1);
  });

  it('remembers, across a restart, that an auto router has sent Message-Authenticator', () => {
    nasData.addNas(other.db, box, { name: 'R1', ip: '10.0.0.1', secret: 'testing123' });
    const first = new NasDirectory(daemon.db, box, pino({ level: 'silent' }));
    first.load();
    first.learnMessageAuthenticator(first.find('10.0.0.1')!);
    expect(first.find('10.0.0.1')?.messageAuthenticatorSeen).toBe(true);
    const restarted = new NasDirectory(other.db, box, pino({ level: 'silent' }));
    restarted.load();
    expect(restarted.find('10.0.0.1')?.messageAuthenticatorSeen).toBe(true);
  });
});

describe('router activity from the directory', () => {
  it('notes the time of every packet from a known router, and nothing for unknown addresses or CoA lookups', () => {
    const activity = new NasActivity();
    const added = nasData.addNas(other.db, box, { name: 'R1', ip: '10.0.0.1', secret: 'testing123' });
    const directory = new NasDirectory(daemon.db, box, pino({ level: 'silent' }), activity);
    directory.load();
    directory.byId(added.id);
    directory.find('192.0.2.66');
    expect(activity.view().size).toBe(0);
    const before = Date.now();
    directory.find('::ffff:10.0.0.1');
    expect(activity.view().get(added.id)).toBeGreaterThanOrEqual(before);
  });
});
