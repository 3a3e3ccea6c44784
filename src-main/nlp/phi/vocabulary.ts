/**
 * Word lists the PHI detector uses, written for Hearth (common US given names and surnames as
 * anyone would list them, US states, street suffixes, facility words, occupations). They only
 * *support* detection: most PHI is found from context cues (titles, labels, "seen by", "daughter"),
 * and the lists make a bare "Mary Smith" or "spoke with Linda" count as a name.
 */

function set(words: string): ReadonlySet<string> {
  return new Set(words.split(/\s+/).filter(Boolean).map((w) => w.toLowerCase()));
}

/** Common US given names (female and male). */
export const GIVEN_NAMES = set(`
  mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty sandra margaret ashley kimberly
  emily donna michelle carol amanda melissa deborah stephanie rebecca laura sharon cynthia kathleen amy angela shirley anna
  brenda pamela emma nicole helen samantha katherine christine debra rachel carolyn janet catherine maria heather diane
  ruth julie olivia joyce virginia victoria kelly lauren christina joan evelyn judith megan andrea cheryl hannah jacqueline
  martha gloria teresa ann sara madison frances kathryn janice jean abigail alice judy sophia denise beverly danielle
  marilyn amber theresa diana natalie brittany charlotte marie kayla alexis lori doris tiffany irene jane
  lillian annie lucy rita ellen rosemary peggy josephine elaine edna dorothy mildred norma phyllis bonnie connie wanda
  tina tammy crystal erin eleanor vera agnes gladys lois yvonne carmen rosa guadalupe ana lucia elena sofia camila valeria
  isabella mia ava chloe zoe ella grace lily nora hazel aurora stella violet claire leah audrey ellie paisley naomi
  allison gabriella kaylee riley aaliyah jasmine priya aisha fatima mei yuki olga ingrid hana leilani zainab ngozi
  craig lynn dana leslie kim robin terry tracy jamie casey morgan
  james robert john michael david william richard joseph thomas christopher charles daniel matthew anthony mark donald
  steven paul andrew joshua kenneth kevin brian george timothy ronald edward jason jeffrey ryan jacob gary nicholas eric
  jonathan stephen larry justin scott brandon benjamin samuel gregory alexander patrick frank raymond jack dennis jerry
  tyler aaron jose adam nathan henry zachary douglas peter kyle noah ethan jeremy walter christian keith roger terry
  austin sean gerald carl harold dylan arthur lawrence jordan jesse bryan billy bruce gabriel joe logan alan juan albert
  willie elijah wayne randy vincent mason roy ralph bobby russell bradley philip eugene louis harry howard fred ernest
  stanley leonard dale earl clarence francis herbert bernard melvin norman marvin glenn lloyd leroy victor alfred
  luis carlos miguel jorge pedro manuel antonio francisco javier diego mateo santiago rafael wei hiroshi ahmed mohammed
  muhammad raj dmitri chinedu kwame tariq lars kai omar ali hassan ivan sergei liam oliver lucas elias owen caleb
  isaac luke julian levi hudson ezra theo leo miles jayden carter wyatt grayson colton dominic xavier
  bob jim tom mike dave steve bill rick dan tony ken ron ed jeff greg pete sam ben chris pat kathy sue
  barb deb jenny liz beth katie becky cindy patty peg
`);

/**
 * Given names that are also ordinary words (or months): they only count as a name next to a
 * surname, a title, or a cue such as "daughter" or "seen by".
 */
export const AMBIGUOUS_GIVEN_NAMES = set(`
  will mark bill grace hope faith joy june april may summer rose frank art dawn ray gene sue pat jack
  bob pete sandy joe chris dale earl glenn roy carol iris ruby jean ann dean drew lee max rich
  victoria charity autumn crystal amber ivy violet hazel stella angel eve sky
`);

/** Common US surnames. */
export const SURNAMES = set(`
  smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez gonzalez wilson anderson
  thomas taylor moore jackson martin lee perez thompson white harris sanchez clark ramirez lewis robinson walker young
  allen king wright scott torres nguyen hill flores green adams nelson baker hall rivera campbell mitchell carter roberts
  gomez phillips evans turner diaz parker cruz edwards collins reyes stewart morris morales murphy cook rogers gutierrez
  ortiz morgan cooper peterson bailey reed kelly howard ramos kim cox ward richardson watson brooks chavez wood james
  bennett gray mendoza ruiz hughes price alvarez castillo sanders patel myers long ross foster jimenez powell jenkins
  perry russell sullivan bell coleman butler henderson barnes gonzales fisher vasquez simmons romero jordan patterson
  alexander hamilton graham reynolds griffin wallace west cole hayes bryant herrera gibson ellis tran medina aguilar
  stevens murray ford castro marshall owens harrison fernandez mcdonald woods washington kennedy wells vargas henry chen
  freeman webb tucker guzman burns crawford olson simpson porter hunter gordon mendez silva shaw snyder mason dixon
  munoz hunt hicks holmes palmer wagner black robertson boyd rose stone salazar fox warren mills meyer rice schmidt
  garza daniels ferguson nichols stephens soto weaver ryan gardner payne grant dunn kelley spencer hawkins arnold pierce
  vazquez hansen peters santos hart bradley knight elliott cunningham duncan armstrong hudson carroll lane riley andrews
  alvarado ray delgado berry perkins hoffman johnston matthews pena richards contreras willis carpenter lawrence
  sandoval guerrero george chapman rios estrada ortega watkins greene nunez wheeler valdez harper burke larson santiago
  maldonado morrison franklin carlson austin dominguez carr lawson jacobs obrien o'brien lynch singh vega bishop
  montgomery oliver jensen harvey williamson gilbert dean sims espinoza howell li wong reid hanson le mccoy garrett
  burton fuller wang weber welch rojas lucas marquez fields park yang little banks padilla day walsh bowman schultz
  luna fowler mejia davidson acosta brewer may holland juarez newman pearson curtis cortez douglas schneider joseph
  barrett navarro figueroa keller avila wade molina stanley hopkins campos barnett bates chambers caldwell beck lambert
  miranda byrd craig ayala lowe frazier powers neal leonard gregory carrillo sutton fleming rhodes shelton schwartz
  norris jennings watts duran walters cohen mcdaniel moran parks steele vaughn becker holt deleon barker terry hale
  leon hail benson haynes horton miles lyons pham graves bush thornton wolfe warner cabrera mckinney mann zimmerman
  dawson lara fletcher page mccarthy love robles cervantes solis erickson reeves chang klein salinas fuentes baldwin
  daniel simon velasquez hardy higgins aguirre lin cummings chandler sharp barber bowen ochoa dennis robbins liu
  ramsey francis griffith paul blair oconnor o'connor cardenas pacheco cross calderon quinn moss swanson chan rivas
  khan rodgers serrano fitzgerald rosales stevenson christensen manning gill curry mclaughlin harmon mcgee gross doyle
  garner newton burgess reese walton blake trujillo adkins brady goodman roman webster goodwin fischer huang potter
  delacruz montoya todd wu hines mullins castaneda malone cannon tate mack sherman hubbard hodges zhang guerra wolf
  valencia saunders franco rowe gallagher farmer hammond hampton townsend ingram wise gallegos clarke barton schroeder
  maxwell waters logan camacho strickland norman person colon parsons frank harrington glover osborne buchanan casey
  floyd patton ibarra ball tyler suarez bowers orozco salas cobb gibbs andrade bauer conner moody escobar mcguire
  lloyd mueller hartman french kramer mcbride pope lindsey velazquez norton mccormick sparks flynn yates hogan marsh
  macias villanueva zamora pratt stokes owen ballard lang brock villarreal charles drake barrera cain patrick pineda
  burnett mercado santana shepherd bautista ali shaffer lamb trevino mckenzie hess beil olsen cochran morton nash
  wilkins petersen briggs shah roth nicholson holloway lozano rangel flowers hoover short arias mora valenzuela bryan
  meyers weiss underwood bass greer summers houston carson morrow clayton whitaker decker yoder collier zuniga carey
  wilcox melendez poole roberson larsen conley davenport copeland massey lam huff rocha cameron jefferson hood monroe
  anthony pittman huynh randall singleton kirk combs mathis christian skinner bradford richard galvan wall boone
  kirby wilkinson bridges bruce atkinson velez meza roy vincent york hodge villa abbott allison tapia gates chase
  sosa sweeney farrell wyatt dalton horn barron phelps yu dickerson heath foley atkins mathews bonilla acevedo benitez
  zavala hensley glenn cisneros harrell shields rubio choi huffman boyer garrison arroyo bond kane hancock callahan
  dillon cline wiggins grimes arellano melton oneill o'neill savage ho beltran pitts parrish ponce rich booth koch golden
  ware brennan mcdowell marks cantu humphrey baxter sawyer clay tanner hutchinson kaur berg wiley gilmore russo
  villegas hobbs keith wilkerson ahmed beard mcclain montes mata rosario vang walter henson oneal mosley mcclure beasley
  stephenson snow huerta preston vance barry johns eaton blackwell dyer prince macdonald solomon guevara stafford
  english hurst woodard cortes shannon kemp nolan mccullough merritt murillo moon salgado strong kline cordova barajas
  roach rosas winters jacobson lester knox bullock kerr leach meadows orr davila whitehead pruitt kent conway mckee
  barr david dejesus marin berger mcintyre blankenship gaines palacios cuevas bartlett durham dorsey mccall odonnell
  stein browning stout lowery sloan mclean hendricks calhoun sexton chung gentry hull duarte ellison nielsen gillespie
  buck middleton sellers leblanc esparza hardin bradshaw mcintosh howe livingston frost glass morse knapp herman stark
  bravo noble spears weeks corona frederick buckley mcfarland hebert enriquez hickman quintero randolph schaefer
  walls trejo house reilly pennington michael conrad giles benjamin crosby fitzpatrick donovan mays mahoney valentine
  raymond medrano hahn mcmillan small bentley felix peck lucero boyle hanna pace rush hurley harding mcconnell bernal
  nava ayers everett ventura avery pugh mayer bender shepard mcmahon landry case sampson moses magana blackburn dunlap
  gould duffy vaughan herring mckay espinosa rivers farley bernard ashley friedman potts truong costa correa blevins
  nixon clements fry delarosa best benton lugo portillo dougherty crane haley phan villalobos blanchard horne finley
  quintana lynn esquivel bean dodson mullen xiong hayden cano levy huber richmond moyer lim frye sheppard mccarty
  avalos booker waller parra woodward jaramillo krueger rasmussen brandt peralta donaldson stuart faulkner maynard
  galindo coffey estes sanford burch maddox vo oconnell vu andersen spence mcpherson church schmitt stanton leal
  cherry compton dudley sierra pollard alfaro hester proctor lu hinton novak good madden mccann terrell jarvis dickson
  reyna cantrell mayo branch hendrix rollins rowland whitney duke odom daugherty travis tang kowalski nowak wojcik
  kaminski lewandowski schmidt muller rossi russo ferrari esposito bianchi romano dubois moreau laurent lefebvre
  ivanov ivanova petrov smirnov kuznetsov popov okafor okoro adeyemi mensah tanaka suzuki takahashi watanabe ito
  yamamoto nakamura kobayashi sato haddad nasser hussein rahman ahmed khan iqbal gupta sharma kumar reddy das rao
  mehta joshi desai larsen johansson andersson nilsson eriksson hansen pedersen mcallister mcdermott gallo
`);

/**
 * Capitalised words that must never be taken for a name even when a cue precedes them or a
 * dictionary name stands beside them: note furniture, clinical words, specialties, eponyms
 * (Bell's palsy, Foley catheter, Murphy's sign), drugs people capitalise.
 */
export const NOT_NAME_WORDS = set(`
  patient pt patients the a an and or of to in on at for with by from as is was are were be been has had have he she his her
  him they their them this that these those it its we our you your i my me mr mrs ms dr
  no not none negative positive denies denied reports states stated noted seen per please see call return follow followup
  history exam examination physical general plan assessment impression diagnosis diagnoses problem problems list
  chief complaint hpi ros pmh psh fhx shx fh sh social family medical surgical past present illness review systems
  medications medication meds allergies allergy vitals vital signs labs lab results result imaging procedures procedure
  discharge admission admitted admit date service provider attending physician resident intern fellow nurse nursing
  md do rn np pa lpn cna rt pharmd phd dds dpm cnm crna msw lcsw bsn mba mph facp facc
  heart lungs lung chest abdomen extremities skin neuro neurological head neck eyes ears nose throat heent cardiovascular
  respiratory gastrointestinal genitourinary musculoskeletal psychiatric constitutional endocrine hematologic
  blood pressure rate pulse temperature weight height oxygen saturation room air
  hospital medical center clinic health care healthcare primary internal medicine emergency department room unit
  icu micu sicu ccu nicu picu ed er or pacu floor ward rehab rehabilitation nursing home hospice pharmacy
  cardiology pulmonology nephrology neurology oncology hematology gastroenterology endocrinology rheumatology
  dermatology urology orthopedics orthopaedics psychiatry psychology radiology pathology surgery anesthesia
  pediatrics obstetrics gynecology infectious disease palliative social work case management physical therapy
  occupational speech nutrition dietary chaplain team service consult consults consultant
  normal regular acute chronic stable unstable mild moderate severe new old left right bilateral upper lower
  type diabetes hypertension pneumonia sepsis cancer disease syndrome disorder failure infection
  monday tuesday wednesday thursday friday saturday sunday january february march april june july august september
  october november december jan feb mar apr jun jul aug sep sept oct nov dec today yesterday tomorrow
  alert oriented awake afebrile tachycardic status post s/p continue start stop increase decrease hold resume
  tylenol advil motrin aleve lasix coumadin plavix lipitor zocor crestor norvasc zestril prinivil lopressor toprol
  coreg synthroid glucophage lantus humalog novolog januvia jardiance farxiga ozempic trulicity eliquis xarelto
  pradaxa protonix prilosec nexium pepcid zantac zofran ativan xanax valium klonopin ambien haldol seroquel zyprexa
  risperdal prozac zoloft paxil celexa lexapro wellbutrin effexor cymbalta neurontin lyrica flomax proscar
  albuterol proventil ventolin advair symbicort spiriva flovent singulair prednisone medrol keflex augmentin zithromax
  levaquin cipro bactrim vancomycin zosyn rocephin flagyl diflucan valtrex tamiflu heparin lovenox insulin
  parkinson parkinsons alzheimer alzheimers crohn crohns hodgkin hodgkins cushing cushings addison addisons
  hashimoto hashimotos raynaud raynauds guillain barre down downs pagets kaposi tourette huntington huntingtons
  marfan sjogren sjogrens reiter meniere menieres homans babinski romberg swan ganz whipple nissen
  foley roux apgar glasgow doppler holter gram coombs heimlich trendelenburg valsalva epley broviac
  bells murphys mcburney mcburneys kernig brudzinski lachman tinel phalen finkelstein allens
  kussmaul cheyne wernicke korsakoff barretts wilsons lyme fallot wolff white tetralogy
  medicare medicaid blue cross shield aetna cigna humana kaiser
  god lord christ bible english spanish french name black white hispanic latino latina asian caucasian african american
  native indian pacific islander med surg tele new scan study report summary course consent form note letter brief ultrasound
  echo mri ct xray x-ray ekg ecg eeg emg cxr film films view views series
`);

/** Titles before a name ("Dr. Chen", "Mrs. Alvarez"). The span keeps the title, as the gold writes "Ms. Kowalski". */
export const NAME_TITLES = set('dr dr. doctor mr mr. mrs mrs. ms ms. miss mx mx. prof prof. professor');

/** Words after which a name follows: labels and verbs of contact. Checked lower-case, the last word(s) before the name. */
export const NAME_CUE_PHRASES: readonly string[] = [
  'patient', 'pt', 'patient name', 'name', 'pt name', 'provider', 'attending', 'attending physician', 'physician', 'resident', 'intern',
  'fellow', 'pcp', 'primary care physician', 'primary care provider', 'surgeon', 'referring physician', 'referring provider',
  'referred by', 'seen by', 'seen with', 'examined by', 'evaluated by', 'discussed with', 'spoke with', 'spoke to', 'talked with',
  'talked to', 'called', 'paged', 'signed by', 'electronically signed by', 'dictated by', 'transcribed by', 'authored by',
  'cosigned by', 'co-signed by', 'reviewed by', 'author', 'signed', 'contact', 'emergency contact', 'nok', 'next of kin',
  'health care proxy', 'healthcare proxy', 'hcp', 'proxy', 'guardian', 'poa', 'dictated', 'nurse', 'rn', 'np', 'pa', 'md',
  'cardiologist', 'oncologist', 'nephrologist', 'neurologist', 'endocrinologist', 'pulmonologist', 'psychiatrist', 'therapist',
  'dentist', 'podiatrist', 'ophthalmologist', 'urologist', 'gastroenterologist', 'dermatologist', 'rheumatologist',
  'daughter', 'son', 'wife', 'husband', 'mother', 'father', 'mom', 'dad', 'sister', 'brother', 'spouse', 'partner',
  'boyfriend', 'girlfriend', 'fiance', 'fiancee', 'friend', 'neighbor', 'caregiver', 'aunt', 'uncle', 'niece', 'nephew',
  'cousin', 'granddaughter', 'grandson', 'grandmother', 'grandfather', 'stepson', 'stepdaughter', 'stepmother', 'stepfather',
  'daughter-in-law', 'son-in-law', 'sister-in-law', 'brother-in-law', 'roommate', 'visitor', 'family member', 'baby boy',
  'baby girl', 'supervising', 'supervising physician',
];

/** Credentials after a name ("Ann Lee, MD"); not part of the name span. */
export const CREDENTIALS = set('md m.d. do d.o. rn np pa pa-c cnp fnp aprn dnp lpn cna phd pharmd dds dpm mph msw lcsw crna cnm facp facc bsn');

export const US_STATE_CODES = set(`
  al ak az ar ca co ct de fl ga hi id il in ia ks ky la me md ma mi mn ms mo mt ne nv nh nj nm ny nc nd oh ok or pa ri sc
  sd tn tx ut vt va wa wv wi wy dc pr
`);

/** State codes that are also common note abbreviations (MD, PA, ME, IN, OR...): they need a ZIP to count. */
export const AMBIGUOUS_STATE_CODES = set('md pa me in or ok hi de la ms');

export const US_STATE_NAMES: readonly string[] = [
  'alabama', 'alaska', 'arizona', 'arkansas', 'california', 'colorado', 'connecticut', 'delaware', 'florida', 'georgia', 'hawaii',
  'idaho', 'illinois', 'indiana', 'iowa', 'kansas', 'kentucky', 'louisiana', 'maine', 'maryland', 'massachusetts', 'michigan',
  'minnesota', 'mississippi', 'missouri', 'montana', 'nebraska', 'nevada', 'new hampshire', 'new jersey', 'new mexico', 'new york',
  'north carolina', 'north dakota', 'ohio', 'oklahoma', 'oregon', 'pennsylvania', 'rhode island', 'south carolina', 'south dakota',
  'tennessee', 'texas', 'utah', 'vermont', 'virginia', 'washington', 'west virginia', 'wisconsin', 'wyoming',
];

/** Street suffixes, written out and abbreviated. */
export const STREET_SUFFIXES = set(`
  street st avenue ave av road rd drive dr lane ln court ct boulevard blvd way place pl terrace ter circle cir parkway pkwy
  highway hwy square sq trail trl alley aly plaza plz pike turnpike tpke row loop crossing xing path run point pt
`);

/** The last word(s) of a facility's name. */
export const FACILITY_HEADS: readonly string[] = [
  'hospital', 'medical center', 'health center', 'medical centre', 'clinic', 'family clinic', 'health clinic', 'infirmary',
  'health system', 'healthcare', 'nursing home', 'nursing facility', 'rehabilitation center', 'rehab center',
  'rehabilitation hospital', 'hospice', 'care center', 'urgent care', 'medical group', 'cancer center', 'surgery center',
  'surgical center', 'memorial', 'sanatorium', 'assisted living', 'senior living', 'skilled nursing facility',
  'primary care', 'internal medicine', 'family medicine', 'family practice', 'pediatrics', 'medical associates', 'physicians',
  'general', 'general hospital', 'regional', 'rehab',
];

/** Occupations: noun phrases, lower-case. Clinical staff words need a cue ("works as a nurse"), see PROFESSIONS_NEEDING_CUE. */
export const PROFESSIONS: readonly string[] = [
  'teacher', 'school teacher', 'high school teacher', 'high school principal', 'school principal', 'professor', 'lecturer', 'tutor', 'principal', 'librarian', 'nurse',
  'registered nurse', 'nurse practitioner', 'nursing assistant', 'doctor', 'physician', 'surgeon', 'dentist', 'pharmacist',
  'paramedic', 'emt', 'medical assistant', 'home health aide', 'caregiver', 'therapist', 'physical therapist', 'social worker',
  'counselor', 'psychologist', 'veterinarian', 'vet tech', 'engineer', 'software engineer', 'civil engineer', 'mechanical engineer',
  'electrical engineer', 'programmer', 'software developer', 'developer', 'it technician', 'technician', 'lab technician',
  'electrician', 'plumber', 'carpenter', 'mechanic', 'auto mechanic', 'machinist', 'welder', 'painter', 'roofer', 'mason',
  'bricklayer', 'contractor', 'construction worker', 'laborer', 'factory worker', 'warehouse worker', 'steel worker',
  'steelworker', 'miner', 'coal miner', 'farmer', 'rancher', 'farm worker', 'landscaper', 'gardener', 'fisherman', 'logger',
  'truck driver', 'bus driver', 'taxi driver', 'delivery driver', 'driver', 'pilot', 'flight attendant', 'mail carrier',
  'postal worker', 'letter carrier', 'courier', 'accountant', 'bookkeeper', 'banker', 'bank teller', 'teller', 'cashier',
  'clerk', 'secretary', 'receptionist', 'administrative assistant', 'office manager', 'manager', 'store manager',
  'salesman', 'saleswoman', 'salesperson', 'sales representative', 'real estate agent', 'realtor', 'insurance agent',
  'lawyer', 'attorney', 'paralegal', 'judge', 'police officer', 'officer', 'firefighter', 'fireman', 'security guard',
  'soldier', 'veteran', 'marine', 'sailor', 'chef', 'cook', 'line cook', 'baker', 'butcher', 'waiter', 'waitress', 'server',
  'bartender', 'barista', 'housekeeper', 'maid', 'janitor', 'custodian', 'cleaner', 'nanny', 'babysitter', 'homemaker',
  'housewife', 'student', 'graduate student', 'grad student', 'college student', 'schoolteacher', 'long-haul truck driver',
  'warehouse supervisor', 'warehouse manager', 'shift supervisor', 'office worker', 'retail worker', 'sales associate', 'writer', 'author', 'journalist', 'editor', 'artist',
  'musician', 'singer', 'actor', 'actress', 'photographer', 'designer', 'architect', 'scientist', 'researcher', 'chemist',
  'biologist', 'economist', 'analyst', 'consultant', 'executive', 'ceo', 'business owner', 'entrepreneur', 'pastor',
  'minister', 'priest', 'rabbi', 'clergyman', 'hairdresser', 'barber', 'cosmetologist', 'tailor', 'seamstress', 'printer',
  'dockworker', 'longshoreman', 'fisherman', 'hunter', 'coach', 'athlete', 'dancer', 'machine operator', 'forklift operator',
  'crane operator', 'assembler', 'packer', 'inspector', 'surveyor', 'dispatcher', 'operator', 'supervisor', 'foreman',
];

/** Professions that are also everyday hospital words ("nurse notified", "case manager", "power of attorney"): only with a cue. */
export const PROFESSIONS_NEEDING_CUE: ReadonlySet<string> = new Set([
  'nurse', 'registered nurse', 'nurse practitioner', 'nursing assistant', 'doctor', 'physician', 'surgeon', 'dentist', 'pharmacist',
  'paramedic', 'emt', 'medical assistant', 'home health aide', 'caregiver', 'therapist', 'physical therapist', 'social worker',
  'counselor', 'psychologist', 'technician', 'lab technician', 'it technician', 'driver', 'officer', 'server', 'cook', 'student',
  'operator', 'manager', 'store manager', 'office manager', 'clerk', 'veteran', 'marine', 'printer', 'cleaner', 'supervisor',
  'inspector', 'coach', 'consultant', 'analyst', 'developer', 'executive', 'author', 'editor', 'writer', 'hunter', 'packer',
  'baker', 'mason', 'attorney', 'pilot', 'judge', 'designer', 'principal', 'teller', 'logger', 'researcher', 'minister', 'server',
  'tutor', 'assembler', 'contractor', 'painter', 'barber', 'tailor',
]);
