// The start-up floor: Deno starting and exiting with nothing to do.
