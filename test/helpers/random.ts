export { mulberry32 } from '../../reports/figures/seeded-random.ts';
