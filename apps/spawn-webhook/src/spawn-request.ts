import { userNameProblem } from '@pchub/pc-id-client';
import { z } from 'zod';

// JupyterHub keeps server names in a 255-character column.
const MAX_SERVER_NAME_LENGTH = 255;

/**
 * The body the hub's pre_spawn_hook sends (docs/contracts.md#the-spawn-environment-request);
 * unknown fields are ignored.
 */
const spawnRequest = z.object(
  {
    user: z.string({ error: 'must be a string' }).superRefine((name, ctx) => {
      const problem = userNameProblem(name);
      if (problem !== undefined) ctx.addIssue(problem);
    }),
    server_name: z
      .string({ error: 'must be a string (empty for the default server)' })
      .max(MAX_SERVER_NAME_LENGTH, {
        error: `must be at most ${MAX_SERVER_NAME_LENGTH} characters`,
      }),
    user_options: z.record(z.string(), z.unknown(), { error: 'must be a JSON object' }),
  },
  { error: 'the body must be a JSON object {"user", "server_name", "user_options"}' },
);

export type SpawnRequest = z.infer<typeof spawnRequest>;

/** The parsed request, or a message for a 400 naming the first bad field. */
export function parseSpawnRequest(body: unknown): { request: SpawnRequest } | { problem: string } {
  const result = spawnRequest.safeParse(body);
  if (result.success) return { request: result.data };
  const issue = result.error.issues[0];
  const field = issue?.path.join('.');
  const message = issue?.message ?? 'invalid body';
  return { problem: field ? `${field}: ${message}` : message };
}
