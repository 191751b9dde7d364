// Preloaded with `node --require` into a child process: prints its peak RSS (KiB) on stderr at exit.
process.on('exit', () => process.stderr.write(`max-rss-kib ${process.resourceUsage().maxRSS}\n`));
