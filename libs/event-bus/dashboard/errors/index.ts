export { LaneSettingLockedError } from './lane-setting-locked.error';
