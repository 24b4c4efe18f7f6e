// The running daemon's parts the staff screens use beyond the database, wired in src/main.ts.
// Every field is optional: a screen without the part it needs says so in words (and the
// route × role test builds the plugin with none of them).

export interface StaffServices {
  // Each screen's parts are added below as that screen needs them.
}
