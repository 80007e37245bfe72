export { LaneOrderLockedError } from './lane-order-locked.error';
export type { LaneOrderOperation } from './lane-order-locked.error';
export { LaneSettingLockedError } from './lane-setting-locked.error';
