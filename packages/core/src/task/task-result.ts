import { z } from "zod";

/**
 * What a finished job stored as its result: the PR its task ended with. The
 * reconcile sweep reads it back from Redis (data another version may have
 * written), so it is parsed, never trusted as is.
 */
export const taskResultSchema = z.object({
  pullUrl: z.url({ protocol: /^https?$/ }).max(2048),
  pullState: z.enum(["opened", "updated", "merged", "closed"]),
  branch: z.string().min(1).max(255),
});

export type TaskResult = z.infer<typeof taskResultSchema>;
