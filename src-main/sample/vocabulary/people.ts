/**
 * Names, places and contact details for synthetic patients and clinicians. Every phone number is
 * in the 555-01xx block reserved for fiction, every e-mail on example.com/.org/.net (RFC 2606),
 * MRNs and addresses are made up: nothing here identifies a real person.
 */

export const FEMALE_GIVEN: readonly string[] = [
  'Mary', 'Patricia', 'Jennifer', 'Linda', 'Elizabeth', 'Barbara', 'Susan', 'Jessica', 'Sarah', 'Karen', 'Lisa', 'Nancy', 'Betty', 'Sandra',
  'Margaret', 'Ashley', 'Kimberly', 'Emily', 'Donna', 'Michelle', 'Carol', 'Amanda', 'Melissa', 'Deborah', 'Stephanie', 'Rebecca', 'Laura',
  'Sharon', 'Cynthia', 'Kathleen', 'Amy', 'Angela', 'Shirley', 'Anna', 'Brenda', 'Pamela', 'Emma', 'Nicole', 'Helen', 'Samantha', 'Maria',
  'Guadalupe', 'Rosa', 'Mei', 'Aisha', 'Fatima', 'Priya', 'Yuki', 'Olga', 'Ngozi', 'Sofia', 'Camila', 'Hana', 'Leilani', 'Zainab', 'Ingrid',
];

export const MALE_GIVEN: readonly string[] = [
  'James', 'Robert', 'John', 'Michael', 'David', 'William', 'Richard', 'Joseph', 'Thomas', 'Christopher', 'Charles', 'Daniel', 'Matthew',
  'Anthony', 'Mark', 'Donald', 'Steven', 'Paul', 'Andrew', 'Joshua', 'Kenneth', 'Kevin', 'Brian', 'George', 'Timothy', 'Ronald', 'Edward',
  'Jason', 'Jeffrey', 'Ryan', 'Jacob', 'Gary', 'Nicholas', 'Eric', 'Jonathan', 'Stephen', 'Larry', 'Justin', 'Scott', 'Brandon', 'Jose',
  'Luis', 'Carlos', 'Wei', 'Hiroshi', 'Ahmed', 'Mohammed', 'Raj', 'Dmitri', 'Chinedu', 'Mateo', 'Kwame', 'Tariq', 'Lars', 'Kai', 'Omar',
];

export const FAMILY: readonly string[] = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez', 'Lopez', 'Gonzalez',
  'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark',
  'Ramirez', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores', 'Green',
  'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts', 'Kowalski', 'Okafor', 'Tanaka', 'Patel',
  'Ivanova', 'Haddad', 'Kim', 'Chen', 'Singh', 'Novak', 'Larsen', 'Mensah', "O'Brien", 'McAllister', 'Schmidt', 'Rossi', 'Dubois',
];

export const STREETS: readonly string[] = [
  'Maple', 'Oak', 'Cedar', 'Pine', 'Elm', 'Birch', 'Willow', 'Lake', 'Hill', 'Park', 'Washington', 'Lincoln', 'Jefferson', 'Madison',
  'Franklin', 'Highland', 'Sunset', 'River', 'Meadow', 'Forest', 'Spring', 'Church', 'Mill', 'Chestnut', 'Walnut', 'Harbor', 'Valley',
];

export const STREET_KINDS: readonly string[] = ['St', 'Ave', 'Rd', 'Dr', 'Ln', 'Ct', 'Blvd', 'Way'];

/** City, state, and a ZIP prefix: the generated ZIP keeps the prefix and makes up the rest. */
export const CITIES: ReadonlyArray<{ city: string; state: string; zip3: string }> = [
  { city: 'Springfield', state: 'IL', zip3: '627' }, { city: 'Columbus', state: 'OH', zip3: '432' }, { city: 'Madison', state: 'WI', zip3: '537' },
  { city: 'Albany', state: 'NY', zip3: '122' }, { city: 'Salem', state: 'OR', zip3: '973' }, { city: 'Richmond', state: 'VA', zip3: '232' },
  { city: 'Austin', state: 'TX', zip3: '787' }, { city: 'Denver', state: 'CO', zip3: '802' }, { city: 'Boise', state: 'ID', zip3: '837' },
  { city: 'Raleigh', state: 'NC', zip3: '276' }, { city: 'Sacramento', state: 'CA', zip3: '958' }, { city: 'Lansing', state: 'MI', zip3: '489' },
  { city: 'Tallahassee', state: 'FL', zip3: '323' }, { city: 'Phoenix', state: 'AZ', zip3: '850' }, { city: 'Harrisburg', state: 'PA', zip3: '171' },
  { city: 'Worcester', state: 'MA', zip3: '016' }, { city: 'Des Moines', state: 'IA', zip3: '503' }, { city: 'Nashville', state: 'TN', zip3: '372' },
];

export const EMAIL_DOMAINS: readonly string[] = ['example.com', 'example.org', 'example.net'];

export const PROFESSIONS: readonly string[] = [
  'teacher', 'nurse', 'electrician', 'accountant', 'truck driver', 'retired machinist', 'software engineer', 'cashier', 'farmer', 'chef',
  'construction worker', 'librarian', 'firefighter', 'pharmacist', 'mail carrier', 'retired teacher', 'student', 'homemaker', 'mechanic',
];

export const CLINICIAN_SPECIALTIES: readonly string[] = ['Internal Medicine', 'Family Medicine', 'Emergency Medicine', 'Hospital Medicine', 'Cardiology', 'Pulmonology'];

export const FACILITY_NAMES: readonly string[] = [
  'Riverside Community Hospital', 'Lakeview Medical Center', 'St. Brigid Family Clinic', 'Maple Grove Primary Care', 'Northgate Health Center',
  'Harbor View Hospital', 'Cedar Hills Internal Medicine', 'Valley Regional Medical Center',
];
