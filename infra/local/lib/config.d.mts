export const PORT_VARIABLES: Record<
  | 'postgres'
  | 'redis'
  | 'kafka'
  | 'kafkaController'
  | 'kafkaSasl'
  | 'kafkaMtls'
  | 'objectStore'
  | 'catalog'
  | 'schemaRegistry',
  [string, number]
>;
