// SOCKS4 / SOCKS4a / SOCKS5 client handshakes.
export * from './socks.js';
