/** The wallet the demo drives is the one the tests drive. */
export * from '../../scripts/wallet/wallet-client.js';
