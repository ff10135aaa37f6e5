/**
 * A small organisation that `npm start` loads into an empty store, so leave can be tried at once:
 * one VP, two managers under her, four employees. Tokens: `npm run token -- employee ella`.
 */
import type { Employee } from './leave-store';

export const SEED_ORGANISATION: readonly Employee[] = [
  {
    id: 'vera',
    name: 'Vera Vance',
    email: 'vera@example.com',
    rank: 'vp',
    annualAllowance: 30,
    dailyRate: 60_000,
  },
  {
    id: 'mia',
    name: 'Mia Moreau',
    email: 'mia@example.com',
    managerId: 'vera',
    rank: 'manager',
    annualAllowance: 28,
    dailyRate: 40_000,
  },
  {
    id: 'max',
    name: 'Max Müller',
    email: 'max@example.com',
    managerId: 'vera',
    rank: 'manager',
    annualAllowance: 28,
    dailyRate: 40_000,
  },
  {
    id: 'ella',
    name: 'Ella Evans',
    email: 'ella@example.com',
    managerId: 'mia',
    rank: 'employee',
    annualAllowance: 25,
    dailyRate: 25_000,
  },
  {
    id: 'eric',
    name: 'Eric Eriksen',
    email: 'eric@example.com',
    managerId: 'mia',
    rank: 'employee',
    annualAllowance: 25,
    dailyRate: 25_000,
  },
  {
    id: 'emma',
    name: 'Emma Ek',
    email: 'emma@example.com',
    managerId: 'max',
    rank: 'employee',
    annualAllowance: 25,
    dailyRate: 27_000,
  },
  {
    id: 'ethan',
    name: 'Ethan Eze',
    email: 'ethan@example.com',
    managerId: 'max',
    rank: 'employee',
    annualAllowance: 20,
    dailyRate: 22_500,
  },
];
