// The English catalogue. Every text a customer or operator reads — Reply-Message, CLI errors,
// pages, SMS — comes from here, so issue 8 adds Arabic by adding one file of the same shape.
export const en = {
  radius: {
    badCredentials: 'Wrong username or password.',
    noCredentials: 'No password was sent. Log in again from the login page.',
    accountSuspended: 'Your account is suspended. Please pay or contact support to reactivate it.',
    accountTerminated: 'This account is closed. Please contact support.',
    noPlan: 'You have no active package. Buy one on the login page or contact support.',
  },
  cli: {
    unknownPlan: 'There is no plan called "{{name}}". See the list with: lango plan list',
    duplicateUsername: 'A customer called "{{username}}" already exists. Pick another username.',
    duplicateNasName: 'A router called "{{name}}" already exists. Pick another name.',
    duplicateNasIp: 'A router with IP {{ip}} already exists ({{name}}). Each router needs its own IP.',
    duplicatePlanName: 'A plan called "{{name}}" already exists. Pick another name.',
    badIp: '"{{value}}" is not an IP address. Example: --ip 192.168.88.1',
    badSecret: 'The shared secret must be 6 to 128 characters. Example: --secret Xk29-long-random',
    badPassword: 'The password must be 1 to 128 characters.',
    badUsername: 'The username must be 1 to 64 characters without spaces. Example: --username alice',
    badName: 'The name must be 1 to 64 characters. Example: --name "1 Hour"',
    badMoney: '"{{value}}" is not an amount in {{currency}}. Example: --price 20 or --price 49.50',
    badCurrency: '"{{value}}" is not a supported currency. Use one of: {{allowed}}',
    badDuration: '"{{value}}" is not a duration. Examples: 30m, 1h, 7d, 30d',
    badDataSize: '"{{value}}" is not a data size. Examples: 500MB, 1GB, 1.5GB',
    badRate: '"{{value}}" is not a MikroTik rate limit. Examples: 2M/2M, 512k/2M, 1M/4M 2M/8M 768k/3M 16/16',
    badChoice: '"{{value}}" is not allowed for --{{option}}. Use one of: {{allowed}}',
    missingOption: 'Missing --{{option}}. See: lango {{command}} --help',
    unknownOption: 'Unknown option {{option}}. See: lango {{command}} --help',
    unknownCommand: 'Unknown command "{{command}}". See: lango --help',
  },
  staff: {
    firstAdminCreated:
      'Created the first staff account "admin" with password {{password}} — it is shown only this once; you will be asked to change it at first login.',
  },
} as const;
