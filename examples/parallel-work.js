// Placeholder until the concurrency core lands in the next commit.
console.log('fanout example');
