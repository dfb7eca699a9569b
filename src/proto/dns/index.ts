// DNS wire format for DNS-over-HTTPS (RFC 8484).
export * from './wire.js';
