import { z } from 'zod';

/** The id of a row (pipeline, connection, agent, job, destination) as a procedure input. */
export const recordId = z.string().min(1).max(100);
