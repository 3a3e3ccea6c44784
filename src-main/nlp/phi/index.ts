export { detectPhi, phiCandidates, resolveOverlaps } from './detect-phi';
export type { PhiCandidate, PhiType } from './candidate';
