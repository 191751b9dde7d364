export function Learn() { return <p>Learn</p>; }
