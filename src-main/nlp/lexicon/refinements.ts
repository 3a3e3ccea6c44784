/**
 * More specific ICD-10-CM codes the linker prefers when qualifier words stand in or near a
 * condition mention: "type 2 diabetes with CKD" → E11.22, "left knee pain" → M25.562.
 * Each rule: the general code(s) it refines, the qualifier phrases (any of them), the specific code.
 * Written for Hearth; every code is checked against the FY2026 order file by the tests.
 */
export interface Refinement {
  from: readonly string[];
  when: readonly string[];
  code: string;
}

const LEFT = ['left', 'lt', 'l'];
const RIGHT = ['right', 'rt', 'r'];
const BILATERAL = ['bilateral', 'bilaterally', 'both', 'b l'];

function lateral(from: string, left: string, right: string, bilateral?: string): Refinement[] {
  const rules: Refinement[] = [
    { from: [from], when: LEFT, code: left },
    { from: [from], when: RIGHT, code: right },
  ];
  if (bilateral !== undefined) rules.push({ from: [from], when: BILATERAL, code: bilateral });
  return rules;
}

const DIABETES_2 = ['E11.9', 'E11.8', 'E11.69', 'E11.65'];
const HISTORY_OF = ['history of', 'hx of', 'h o', 'prior', 'previous', 'remote', 'old', 'past'];

export const REFINEMENTS: readonly Refinement[] = [
  { from: DIABETES_2, when: ['ckd', 'chronic kidney disease', 'nephropathy', 'diabetic kidney disease', 'renal disease', 'kidney disease'], code: 'E11.22' },
  { from: DIABETES_2, when: ['polyneuropathy', 'peripheral neuropathy'], code: 'E11.42' },
  { from: DIABETES_2, when: ['neuropathy'], code: 'E11.40' },
  { from: DIABETES_2, when: ['retinopathy'], code: 'E11.319' },
  { from: DIABETES_2, when: ['foot ulcer'], code: 'E11.621' },
  { from: DIABETES_2, when: ['hypoglycemia'], code: 'E11.649' },
  { from: DIABETES_2, when: ['hyperglycemia', 'uncontrolled', 'poorly controlled', 'not controlled', 'out of control'], code: 'E11.65' },
  { from: DIABETES_2, when: ['peripheral angiopathy', 'peripheral vascular disease', 'pvd', 'pad'], code: 'E11.51' },
  { from: ['E10.9'], when: ['ketoacidosis', 'dka'], code: 'E10.10' },
  { from: ['E10.9'], when: ['hyperglycemia', 'uncontrolled', 'poorly controlled'], code: 'E10.65' },
  // an event that is over: "history of stroke" is Z86.73, "prior MI" I25.2
  { from: ['I63.9', 'G45.9'], when: HISTORY_OF, code: 'Z86.73' },
  { from: ['I21.9'], when: HISTORY_OF, code: 'I25.2' },
  { from: ['I82.409', 'I26.99'], when: HISTORY_OF, code: 'Z86.718' },
  // a site named with a general condition: "osteoarthritis of the knee", "pain in the left hip"
  { from: ['M19.90'], when: ['knee', 'knees'], code: 'M17.9' },
  { from: ['M19.90'], when: ['hip', 'hips'], code: 'M16.9' },
  { from: ['R52'], when: ['knee'], code: 'M25.569' },
  { from: ['R52'], when: ['hip'], code: 'M25.559' },
  { from: ['R52'], when: ['shoulder'], code: 'M25.519' },
  { from: ['R52'], when: ['ankle'], code: 'M25.579' },
  { from: ['R52'], when: ['elbow'], code: 'M25.529' },
  { from: ['R52'], when: ['wrist'], code: 'M25.539' },
  { from: ['R52'], when: ['foot', 'feet'], code: 'M79.673' },
  { from: ['R52'], when: ['leg', 'legs', 'arm', 'arms'], code: 'M79.609' },
  { from: ['R52'], when: ['low back', 'lower back', 'lumbar'], code: 'M54.50' },
  { from: ['R52'], when: ['back'], code: 'M54.9' },
  { from: ['R52'], when: ['neck'], code: 'M54.2' },
  { from: ['R52'], when: ['chest'], code: 'R07.9' },
  { from: ['R52'], when: ['abdomen', 'abdominal', 'belly', 'stomach'], code: 'R10.9' },
  { from: ['R52'], when: ['head'], code: 'R51.9' },
  { from: ['R52'], when: ['ear'], code: 'H92.09' },
  { from: ['R52'], when: ['eye'], code: 'H57.10' },
  { from: ['R52'], when: ['joint', 'joints'], code: 'M25.50' },
  { from: ['I10'], when: ['ckd', 'chronic kidney disease', 'kidney disease'], code: 'I12.9' },
  { from: ['I10'], when: ['heart failure', 'chf'], code: 'I11.0' },
  { from: ['I50.9'], when: ['systolic', 'reduced ejection fraction', 'hfref'], code: 'I50.20' },
  { from: ['I50.9'], when: ['diastolic', 'preserved ejection fraction', 'hfpef'], code: 'I50.30' },
  { from: ['I50.9', 'I50.20'], when: ['acute on chronic systolic'], code: 'I50.23' },
  { from: ['I50.9', 'I50.30'], when: ['acute on chronic diastolic'], code: 'I50.33' },
  { from: ['J44.9'], when: ['exacerbation', 'exacerbated', 'flare'], code: 'J44.1' },
  { from: ['J45.909'], when: ['exacerbation', 'exacerbated', 'flare', 'attack'], code: 'J45.901' },
  { from: ['J45.909'], when: ['status asthmaticus'], code: 'J45.902' },
  { from: ['J45.909'], when: ['mild intermittent'], code: 'J45.20' },
  { from: ['J45.909'], when: ['moderate persistent'], code: 'J45.40' },
  { from: ['J45.909'], when: ['severe persistent'], code: 'J45.50' },
  { from: ['J45.909'], when: ['mild persistent'], code: 'J45.30' },
  { from: ['N18.9'], when: ['stage 1', 'stage i'], code: 'N18.1' },
  { from: ['N18.9'], when: ['stage 2', 'stage ii'], code: 'N18.2' },
  { from: ['N18.9'], when: ['stage 3a', 'stage iiia'], code: 'N18.31' },
  { from: ['N18.9'], when: ['stage 3b', 'stage iiib'], code: 'N18.32' },
  { from: ['N18.9'], when: ['stage 3', 'stage iii'], code: 'N18.30' },
  { from: ['N18.9'], when: ['stage 4', 'stage iv'], code: 'N18.4' },
  { from: ['N18.9'], when: ['stage 5', 'stage v'], code: 'N18.5' },
  { from: ['N18.9', 'N18.5'], when: ['end stage', 'esrd', 'dialysis'], code: 'N18.6' },
  { from: ['F32.9', 'F32.A'], when: ['recurrent'], code: 'F33.9' },
  { from: ['F32.9', 'F32.A'], when: ['severe'], code: 'F32.2' },
  { from: ['F32.9', 'F32.A'], when: ['moderate'], code: 'F32.1' },
  { from: ['F32.9', 'F32.A'], when: ['mild'], code: 'F32.0' },
  { from: ['F32.9', 'F32.A'], when: ['in remission', 'remission'], code: 'F32.5' },
  { from: ['I48.91'], when: ['paroxysmal'], code: 'I48.0' },
  { from: ['I48.91'], when: ['persistent'], code: 'I48.19' },
  { from: ['I48.91'], when: ['permanent', 'chronic'], code: 'I48.20' },
  { from: ['J18.9'], when: ['aspiration'], code: 'J69.0' },
  { from: ['J18.9'], when: ['lobar'], code: 'J18.1' },
  { from: ['N39.0'], when: ['pyelonephritis'], code: 'N10' },
  { from: ['K21.9'], when: ['esophagitis'], code: 'K21.00' },
  { from: ['E03.9'], when: ['postoperative', 'post surgical', 'after thyroidectomy'], code: 'E89.0' },
  { from: ['G43.909'], when: ['with aura'], code: 'G43.109' },
  { from: ['G43.909'], when: ['without aura'], code: 'G43.009' },
  { from: ['M54.50'], when: ['sciatica'], code: 'M54.40' },
  ...lateral('M25.569', 'M25.562', 'M25.561'),
  ...lateral('M25.559', 'M25.552', 'M25.551'),
  ...lateral('M25.519', 'M25.512', 'M25.511'),
  ...lateral('M25.579', 'M25.572', 'M25.571'),
  ...lateral('M25.529', 'M25.522', 'M25.521'),
  ...lateral('M25.539', 'M25.532', 'M25.531'),
  ...lateral('M79.673', 'M79.672', 'M79.671'),
  ...lateral('M79.609', 'M79.605', 'M79.604'),
  ...lateral('M17.9', 'M17.12', 'M17.11', 'M17.0'),
  ...lateral('M16.9', 'M16.12', 'M16.11', 'M16.0'),
  ...lateral('I82.409', 'I82.402', 'I82.401', 'I82.403'),
  ...lateral('L03.90', 'L03.116', 'L03.115'),
  ...lateral('H66.90', 'H66.92', 'H66.91', 'H66.93'),
  ...lateral('H61.20', 'H61.22', 'H61.21', 'H61.23'),
  ...lateral('C50.919', 'C50.912', 'C50.911'),
  ...lateral('C34.90', 'C34.92', 'C34.91'),
  ...lateral('M54.30', 'M54.32', 'M54.31'),
  ...lateral('G56.00', 'G56.02', 'G56.01', 'G56.03'),
  ...lateral('M75.100', 'M75.102', 'M75.101'),
  ...lateral('S93.409A', 'S93.402A', 'S93.401A'),
  { from: ['K40.90'], when: BILATERAL, code: 'K40.20' },
  { from: ['L03.90'], when: ['leg', 'lower extremity', 'lower limb'], code: 'L03.119' },
  { from: ['L03.116', 'L03.115'], when: ['face'], code: 'L03.211' },
];
