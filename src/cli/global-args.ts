/** Flags every verb accepts (DESIGN.md "Interfaces"). */
export interface GlobalArgs {
  url?: string;
  profile?: string;
  json: boolean;
  yes: boolean;
  debug: boolean;
}
