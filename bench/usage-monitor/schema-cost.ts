// What the hub client's zod page schema alone costs the monitor per full listing: the CPU time of
// `userPageSchema.safeParse` over the parsed pages of N active users (pages of 200, the fields
// JupyterHub 5 sends a token with list:users and read:servers), JSON.parse timed apart. The
// threshold that decides whether the client needs a faster second validator: 2 s per listing
// of 50,000 users (issue 13).
// Usage: npx node dist/bench/usage-monitor/schema-cost.js [users] (run.sh schema [users]).
import { loadavg } from 'node:os';
import { userPageSchema } from '../../libs/hub-client/src/models';
import { population } from '@pchub/test-support';
import { median } from './stats';

const USERS = Number(process.argv[2] ?? 50_000);
const PAGE_SIZE = 200;
const ROUNDS = 7;
const THRESHOLD_S = 2;

// A user as JupyterHub 5.5 lists it for the monitor's token (GET /hub/api/users?state=active).
function userModel(user: ReturnType<typeof population>[number]) {
  const servers = Object.fromEntries(
    user.servers.map(({ name, started, profile }) => {
      const url = `/user/${user.name}/${name}`;
      return [
        name,
        {
          name,
          full_name: `${user.name}/${name}`,
          last_activity: started,
          started,
          pending: null,
          ready: true,
          stopped: false,
          url,
          user_options: profile === undefined ? {} : { profile },
          progress_url: `/hub/api/users/${user.name}/servers/${name}/progress`,
          full_url: null,
          full_progress_url: null,
        },
      ];
    }),
  );
  return { kind: 'user', name: user.name, servers };
}

function pages(users: number): string[] {
  const everyone = population(users).map(userModel);
  const texts: string[] = [];
  for (let offset = 0; offset < users; offset += PAGE_SIZE) {
    const next =
      offset + PAGE_SIZE < users ? { offset: offset + PAGE_SIZE, limit: PAGE_SIZE } : null;
    const pagination = { offset, limit: PAGE_SIZE, total: users, next };
    texts.push(
      JSON.stringify({
        items: everyone.slice(offset, offset + PAGE_SIZE),
        _pagination: pagination,
      }),
    );
  }
  return texts;
}

// CPU seconds (user + system) that `work` takes in this process.
function cpuSeconds(work: () => void): number {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

function main(): void {
  const load = loadavg();
  const texts = pages(USERS);
  const parseS: number[] = [];
  const schemaS: number[] = [];
  // one untimed round first: the JIT warms up as it would over a monitor's life
  for (let round = 0; round <= ROUNDS; round += 1) {
    let parsed: unknown[] = [];
    const parse = cpuSeconds(() => {
      parsed = texts.map((text) => JSON.parse(text) as unknown);
    });
    const schema = cpuSeconds(() => {
      for (const body of parsed) {
        if (!userPageSchema.safeParse(body).success) throw new Error('a page did not validate');
      }
    });
    if (round === 0) continue;
    parseS.push(parse);
    schemaS.push(schema);
  }
  const zod = median(schemaS);
  console.log(`load average before: ${load.map((n) => n.toFixed(2)).join(' ')}`);
  console.log(
    `| active users | pages | JSON.parse CPU s | zod schema CPU s (median of ${ROUNDS}, min-max) | threshold s | zod over threshold |`,
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
  console.log(
    `| ${USERS} | ${texts.length} | ${median(parseS).toFixed(3)} | ${zod.toFixed(3)} (${Math.min(...schemaS).toFixed(3)}-${Math.max(...schemaS).toFixed(3)}) | ${THRESHOLD_S} | ${zod > THRESHOLD_S ? 'yes' : 'no'} |`,
  );
  console.log(
    `load average after: ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
}

main();
