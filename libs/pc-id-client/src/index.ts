export { PcIdClient } from './pc-id-client';
export { type PcIdClientOptions } from './options';
export { type PcIdUser } from './user-record';
export { InvalidUserNameError } from './errors';
export { userNameProblem } from './user-name';
