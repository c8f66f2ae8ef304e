export const PORT_VARIABLES: Record<
  'postgres' | 'redis' | 'kafka' | 'kafkaController' | 'objectStore' | 'catalog' | 'schemaRegistry',
  [string, number]
>;
