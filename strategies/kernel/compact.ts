/** `value` without its undefined members, so "absent" has one spelling in status. Pure. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined)) as T;
}
