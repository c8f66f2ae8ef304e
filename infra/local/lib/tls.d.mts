export interface StackTls {
  ca: string;
  caKey: string;
  broker: string;
  clientCert: string;
  clientKey: string;
}
export function ensureStackTls(dir: string): StackTls;
export function issueCertificate(options: {
  ca: Pick<StackTls, 'ca' | 'caKey'>;
  subject: string;
  altNames?: string[];
  usage: 'serverAuth' | 'clientAuth';
  keyFile: string;
  certFile: string;
}): void;
