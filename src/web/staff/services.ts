// The running daemon's parts the staff screens use beyond the database, wired in src/main.ts.
// Every field is optional: a screen without the part it needs says so in words (and the
// route × role test builds the plugin with none of them).

export interface StaffServices {
  /**
   * When each router (by NAS id) last sent a RADIUS packet this process received, in ms since
   * the epoch; a router absent from the map has sent nothing since the daemon started.
   */
  lastPacketAt?: () => ReadonlyMap<number, number>;
}
