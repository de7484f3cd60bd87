import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CLUSTER_SERVICES } from '../../tools/cluster/temporal-cluster-config.js';
import { CLUSTER_CONFIG_ROOT, clusterServiceArgs, clusterServiceEnv } from '../../tools/cluster/temporal-cluster-env.js';
import { TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION } from '../../tools/cluster/temporal-server-build.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<
    string,
    { image?: string; command?: string[] | string; environment?: Record<string, string>; volumes?: string[]; ports?: string[] }
  >;
};
const MOUNT = '/etc/herald-temporal';
const envOptions = {
  pg: { host: 'h', port: 5432, user: 'u', password: 'p' },
  database: 'temporal',
  visibilityDatabase: 'temporal_visibility',
  historyShards: 4,
  logLevel: 'warn',
  dynamicConfigFile: '/x',
};

describe('docker-compose.yml and npm run cluster', () => {
  it('keeps deploy/temporal/config/docker.yaml byte for byte as temporal-server v1.29.1 ships it', () => {
    // sha256 of config/docker.yaml in the go.temporal.io/server@v1.29.1 module.
    const sha = createHash('sha256')
      .update(readFileSync(path.join(CLUSTER_CONFIG_ROOT, 'config/docker.yaml')))
      .digest('hex');
    expect(sha).toBe('81fde509f35f96ca16e3c04cb557c246fa0133816464ee40d88a041e3f5ea006');
  });

  it.each(CLUSTER_SERVICES)(
    'runs the %s service with the same image version, arguments, config mount and variable names as the script',
    (service) => {
      const s = compose.services[`temporal-${service}`]!;
      expect(s.image).toBe(`temporalio/server:${TEMPORAL_SERVER_VERSION.slice(1)}`);
      expect(s.command).toEqual(clusterServiceArgs(MOUNT, service));
      expect(s.volumes).toContain(`./deploy/temporal:${MOUNT}:ro`);
      const scriptEnv = clusterServiceEnv(service, 7400, envOptions);
      expect(Object.keys(s.environment!).sort()).toEqual(Object.keys(scriptEnv).sort());
      // Values that are not addresses are the script's defaults.
      for (const key of ['DB', 'DBNAME', 'VISIBILITY_DBNAME', 'NUM_HISTORY_SHARDS', 'SQL_MAX_CONNS', 'SQL_VIS_MAX_CONNS']) {
        expect([key, s.environment![key]]).toEqual([key, scriptEnv[key]]);
      }
      expect(s.environment!.DYNAMIC_CONFIG_FILE_PATH).toBe(`${MOUNT}/dynamicconfig/herald.yaml`);
    },
  );

  it('gives every service its own membership broadcast address', () => {
    const addresses = CLUSTER_SERVICES.map((s) => compose.services[`temporal-${s}`]!.environment!.TEMPORAL_BROADCAST_ADDRESS);
    expect(new Set(addresses).size).toBe(CLUSTER_SERVICES.length);
  });

  it('sets up both databases with the schema tool steps the script runs', () => {
    const script = String(compose.services['temporal-schema']!.command);
    for (const [db, schema] of [
      ['temporal', 'postgresql/v12/temporal'],
      ['temporal_visibility', 'postgresql/v12/visibility'],
    ]) {
      expect(script).toContain(`--db ${db} setup-schema -v 0.0`);
      expect(script).toContain(`--db ${db} update-schema --schema-name ${schema}`);
    }
    expect(compose.services['temporal-schema']!.image).toBe(`temporalio/admin-tools:${TEMPORAL_SERVER_VERSION.slice(1)}`);
  });

  it('runs the UI version the script builds and Herald steps that exist as npm scripts', () => {
    expect(compose.services['temporal-ui']!.image).toBe(`temporalio/ui:${TEMPORAL_UI_VERSION.slice(1)}`);
    const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    for (const name of ['herald-api', 'herald-worker']) {
      const used = [...String(compose.services[name]!.command).matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]!);
      expect(used.length).toBeGreaterThan(0);
      for (const script of used) expect(scripts[script], `npm run ${script}`).toBeDefined();
    }
    expect(String(compose.services['herald-api']!.command)).toMatch(/temporal:setup && npm run migrate && npm run api/);
  });

  it('publishes only the Herald API on every interface: Temporal frontend and UI on loopback, the databases not at all', () => {
    const published = Object.fromEntries(Object.entries(compose.services).flatMap(([name, s]) => (s.ports ?? []).map((p) => [name, p])));
    expect(published).toEqual({
      'temporal-frontend': '127.0.0.1:7233:7233',
      'temporal-ui': '127.0.0.1:8233:8080',
      'herald-api': '3000:3000',
    });
  });

  it('has no default password nor a missing encryption key: each is a required variable with a message', () => {
    const required = (name: string) => new RegExp(`^\\$\\{${name}:\\?set ${name}[^}]+\\}$`);
    for (const [name, s] of Object.entries(compose.services)) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (/PASSWORD|PWD/.test(key))
          expect([name, key, value]).toEqual([name, key, expect.stringMatching(/^\$\{(TEMPORAL|HERALD)_DB_PASSWORD:\?set /)]);
      }
    }
    const herald = compose.services['herald-api']!.environment!;
    expect(herald.DATABASE_URL).toMatch(
      /^postgres:\/\/herald:\$\{HERALD_DB_PASSWORD:\?set HERALD_DB_PASSWORD[^}]+\}@herald-db:5432\/herald$/,
    );
    expect(herald.HERALD_ENCRYPTION_KEY).toMatch(required('HERALD_ENCRYPTION_KEY'));
    expect(compose.services['temporal-frontend']!.environment!.POSTGRES_PWD).toMatch(required('TEMPORAL_DB_PASSWORD'));
    expect(compose.services['temporal-schema']!.environment!.SQL_PASSWORD).toMatch(required('TEMPORAL_DB_PASSWORD'));
  });
});
