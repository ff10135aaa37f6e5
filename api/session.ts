/**
 * The back office's sign-in. Real sign-in goes through the company's identity provider (next
 * issue); until then, the development sign-in lists the sample organisation and the system roles
 * and signs the browser in as one of them. It exists only while the app runs with its development
 * identity (the development token secret `npm start` makes); with AUTH_JWT_SECRET set it answers 404.
 */
import { Router } from 'express';
import type { LeaveStore } from '../store';
import { endSession, readSession, sameOrigin, startSession, checkCsrf, type Caller } from './auth';
import { devSignInBody, type DevPeopleAnswer, type Role, type SessionAnswer } from './contract';
import { badRequest, HttpError, notFound } from './errors';
import { parseBody } from './schemas';

/** DEVELOPMENT ONLY: the desks that are roles rather than employees, for the sample organisation. */
export const DEV_SYSTEM_PEOPLE: DevPeopleAnswer['people'] = [
  { id: 'sam', name: 'Sam Sato', title: 'Support desk', roles: ['support'] },
  { id: 'wes', name: 'Wes Walker', title: 'Warehouse', roles: ['warehouse'] },
  { id: 'hana', name: 'Hana Holm', title: 'HR', roles: ['hr'] },
];

export interface SessionDeps {
  jwtSecret: string;
  leaveStore?: LeaveStore;
  /** The development sign-in is on. */
  devSignIn: boolean;
}

function answer(caller: Caller, devSignIn: boolean): SessionAnswer {
  return {
    sub: caller.sub,
    name: caller.name ?? caller.sub,
    roles: caller.roles,
    csrfToken: caller.csrfToken ?? '',
    devSignIn,
  };
}

export function sessionRouter({ jwtSecret, leaveStore, devSignIn }: SessionDeps): Router {
  const router = Router();

  async function people(): Promise<DevPeopleAnswer['people']> {
    const employees = leaveStore ? await leaveStore.listEmployees() : [];
    return [
      ...employees.map((e) => {
        const roles: Role[] = e.rank === 'employee' ? ['employee'] : ['manager', 'employee'];
        const title = e.rank === 'vp' ? 'VP' : e.rank === 'manager' ? 'Manager' : 'Employee';
        return { id: e.id, name: e.name, title, roles };
      }),
      ...DEV_SYSTEM_PEOPLE,
    ];
  }

  router.get('/session', async (req, res) => {
    const caller = await readSession(req, jwtSecret);
    if (!caller) throw new HttpError(401, 'unauthorized', 'not signed in');
    res.json(answer(caller, devSignIn));
  });

  router.get('/session/people', async (_req, res) => {
    if (!devSignIn) throw notFound('the development sign-in');
    const answered: DevPeopleAnswer = { people: await people() };
    res.json(answered);
  });

  router.post('/session/dev-sign-in', async (req, res) => {
    if (!devSignIn) throw notFound('the development sign-in');
    if (!sameOrigin(req)) throw new HttpError(403, 'forbidden', 'sign in from the back office page itself');
    const { id } = parseBody(devSignInBody, req.body);
    const person = (await people()).find((p) => p.id === id);
    if (!person) throw badRequest(`there is no ${id} to sign in as`, [{ field: 'id', message: 'unknown' }]);
    const caller = await startSession(req, res, jwtSecret, {
      sub: person.id,
      name: person.name,
      roles: person.roles,
    });
    res.json(answer(caller, devSignIn));
  });

  router.post('/session/sign-out', async (req, res) => {
    const caller = await readSession(req, jwtSecret);
    if (caller) {
      const refused = checkCsrf(req, caller);
      if (refused) throw refused;
    }
    endSession(req, res);
    res.status(204).end();
  });

  return router;
}
