import { describe, expect, it } from 'vitest';
import { detectPhi } from '../../../../src-main/nlp/phi';

/** The PHI of a text as "TYPE:span" strings, in text order. */
function phi(text: string): string[] {
  return detectPhi({ text }).map((m) => `${m.type}:${text.slice(m.begin, m.end)}`);
}

function typed(text: string, type: string): string[] {
  return detectPhi({ text })
    .filter((m) => m.type === type)
    .map((m) => text.slice(m.begin, m.end));
}

describe('detectPhi: names', () => {
  it('takes Mr./Mrs./Ms. with the name (the sample gold) but leaves "Dr." outside (de-identification corpora)', () => {
    expect(typed('Seen today with Dr. Chen and Mrs. Alvarez-Ruiz.', 'NAME')).toEqual(['Chen', 'Mrs. Alvarez-Ruiz']);
    expect(typed('Ms. Kowalski is a 57 yo woman.', 'NAME')).toEqual(['Ms. Kowalski']);
    expect(typed('Mr. Allen and Dr. Bell agreed.', 'NAME')).toEqual(['Mr. Allen', 'Bell']);
  });

  it('reads names with accented letters and names typed in lower case', () => {
    expect(typed('Seen by Dr. Benedikt Sørensen with Maria Castañeda.', 'NAME')).toEqual(['Benedikt Sørensen', 'Maria Castañeda']);
    expect(typed('pt: deshawn pritchett   dob 11/02/1979', 'NAME')).toEqual(['deshawn pritchett']);
    expect(typed('seen by l. ferreira pa-c, supervising dr m. tanaka', 'NAME')).toEqual(['l. ferreira', 'm. tanaka']);
    expect(typed('Daughter (Miriam, 555-481-7720) at bedside. Baby boy Ferreira born today.', 'NAME')).toEqual(['Miriam', 'Ferreira']);
  });

  it('reads labels, signatures and contact verbs', () => {
    expect(typed('Patient: Michelle Kowalski    MRN: S101000010', 'NAME')).toEqual(['Michelle Kowalski']);
    expect(typed('Provider: Chinedu Garcia, MD\n', 'NAME')).toEqual(['Chinedu Garcia']);
    expect(typed('PATIENT: JOHN SMITH', 'NAME')).toEqual(['JOHN SMITH']);
    expect(typed('Plan discussed with Zubair Okonkwo-Baptiste at bedside.', 'NAME')).toEqual(['Zubair Okonkwo-Baptiste']);
    expect(typed('Electronically signed by Ann Lee, RN', 'NAME')).toEqual(['Ann Lee']);
    expect(typed('Note reviewed. J. Smith RN', 'NAME')).toEqual(['J. Smith']);
  });

  it('finds relatives named after the relation', () => {
    expect(typed('Spoke with daughter Mary about discharge.', 'NAME')).toEqual(['Mary']);
    expect(typed('Husband Tobiah at bedside.', 'NAME')).toEqual(['Tobiah']);
    expect(typed('pt called wife linda at home', 'NAME')).toEqual(['linda']);
    expect(typed('wife will visit tomorrow; son may call', 'NAME')).toEqual([]);
  });

  it('knows common given names and surnames with capitals', () => {
    expect(typed('Family meeting held; Linda Hernandez agreed with the plan.', 'NAME')).toEqual(['Linda Hernandez']);
    expect(typed('Garcia, Michelle was admitted overnight.', 'NAME')).toEqual(['Garcia, Michelle']);
    expect(typed('Later Jennifer called back.', 'NAME')).toEqual(['Jennifer']);
    expect(typed('Patient: Nicole White    MRN: 123456', 'NAME')).toEqual(['Nicole White']);
    expect(typed('Plan reviewed, Jones aware. SEEN WITH LINDA HERNANDEZ.', 'NAME')).toEqual(['Jones', 'LINDA HERNANDEZ']);
  });

  it('takes the name before "is a <age>"', () => {
    expect(typed('Tavita Faleolo is a 67-year-old man.', 'NAME')).toEqual(['Tavita Faleolo']);
  });

  it('does not take clinical words, eponyms, instruments, drugs or family history for names', () => {
    expect(typed('Mother: Breast cancer diagnosed in her 60s.', 'NAME')).toEqual([]);
    expect(typed('Sister: CVA diagnosed in their 60s.', 'NAME')).toEqual([]);
    expect(typed("History of Bell's palsy and Parkinson disease. Foley catheter placed.", 'NAME')).toEqual([]);
    expect(typed('A Sims retractor and a straight Joseph scissors were used. Cook stent placed.', 'NAME')).toEqual([]);
    expect(typed('Two red rubber Robinson catheters placed, Mayo stand moved, Foley to gravity. Seen in Houston.', 'NAME')).toEqual([]);
    expect(typed('Started Lipitor and Norvasc. Blood Pressure stable. Heart: regular rate.', 'NAME')).toEqual([]);
    expect(typed('CC:\nFever\n\nHPI:\nCough for 3 days.', 'NAME')).toEqual([]);
    expect(typed('May need to increase the dose. Will call if worse.', 'NAME')).toEqual([]);
  });
});

describe('detectPhi: ages', () => {
  it.each([
    ['A 67 y/o M with CHF.', '67 y/o'],
    ['Ms. Lee is a 67-year-old woman.', '67-year-old'],
    ['He is a 58 yo male.', '58 yo'],
    ['Seen at aged 67 in clinic.', '67'],
    ['Brought in a 3-month-old infant.', '3-month-old'],
    ['She is 45 years old.', '45 years old'],
    ['Patient is 80 years of age.', '80 years of age'],
    ['Smoked since age 16.', '16'],
    ['FHx: father with MI at 55, mother with T2DM.', '55'],
    ['Patient: Nnamdi Okonkwo, 45M, MRN 55019273', '45'],
    ['Patient: Consuelo Ibarra-Mendez     52 F     MRN 70315526', '52'],
  ])('%s', (text, age) => {
    expect(typed(text, 'AGE')).toEqual([age]);
  });

  it('does not read doses, durations or decades of relatives as ages', () => {
    expect(typed('Metformin 500 mg for 3 days. Sister: stroke diagnosed in their 60s.', 'AGE')).toEqual([]);
  });
});

describe('detectPhi: dates', () => {
  it.each([
    ['DOB: 11/28/1958 today', '11/28/1958'],
    ['Seen 3/4/19 in clinic', '3/4/19'],
    ['Seen 03-04-2019 in clinic', '03-04-2019'],
    ['Seen 03.04.2019 in clinic', '03.04.2019'],
    ['Date of service: 2017-11-18', '2017-11-18'],
    ['Admitted on November 28, 1958 for', 'November 28, 1958'],
    ['Seen Jan 5 for follow-up', 'Jan 5'],
    ['Surgery on the 5th of January was uneventful', '5th of January'],
    ['Colonoscopy in March 2015 was normal', 'March 2015'],
    ['Labs from 2015-03 were normal', '2015-03'],
    ['PSA from 7/2008 rose', '7/2008'],
    ['Drawn 2019-03-04T10:15:00Z by RN', '2019-03-04T10:15:00Z'],
    ['Arrived 03/04/2019 10:15 in ED', '03/04/2019'],
    ['Quit smoking in 2010 after MI', '2010'],
    ['Scheduled in November for repeat', 'November'],
    ['Seen over Christmas with cough', 'Christmas'],
    ['Foley removed on 10-12 without issue', '10-12'],
  ])('%s', (text, date) => {
    expect(typed(text, 'DATE')).toEqual([date]);
  });

  it('reads month/day dates after words, not day counts or packs per day', () => {
    expect(typed('Seen on 1/15 by cardiology; ortho f/u 4/14.', 'DATE')).toEqual(['1/15', '4/14']);
    expect(typed('Day 3/5 prednisone; smokes 1/2 ppd; tumor in 1/5 lymph nodes; a 1/8th inch drain; 9/1 mixture.', 'DATE')).toEqual([]);
  });

  it('does not read blood pressure, pain scores, strength grades, fractions or quantities as dates', () => {
    const text = 'BP 122/73, pain 5/10, strength 5/5 bilaterally, 2/6 murmur, 1/2 tablet, 2000 mL NS, 1500 calories, 24/7 care.';
    expect(typed(text, 'DATE')).toEqual([]);
  });

  it('does not read a 24-hour clock time as a year', () => {
    expect(typed('Lasix given at 2000. Repeat lytes @1930 and 2030 hrs.', 'DATE')).toEqual([]);
  });

  it('reads a bare year without context as a date with less confidence', () => {
    const [m] = detectPhi({ text: 'Left knee replaced 1987, doing well.' }).filter((x) => x.type === 'DATE');
    expect(m?.score).toBeLessThan(0.8);
    const [n] = detectPhi({ text: 'Left knee replaced in 1987.' }).filter((x) => x.type === 'DATE');
    expect(n?.score).toBeGreaterThanOrEqual(0.9);
  });
});

describe('detectPhi: contact details and identifiers', () => {
  it('finds phone and fax numbers', () => {
    expect(typed('Questions: (440) 555-0139 or fax 617.555.0100 ext 12.', 'PHONE_OR_FAX')).toEqual(['(440) 555-0139', '617.555.0100 ext 12']);
    expect(typed('Call +1 617-555-0199 or pager 4-1234.', 'PHONE_OR_FAX')).toEqual(['+1 617-555-0199', '4-1234']);
  });

  it('finds e-mail addresses and URLs without the sentence full stop', () => {
    expect(phi('Write to michelle.kowalski56@example.com.')).toEqual(['EMAIL:michelle.kowalski56@example.com']);
    expect(phi('Portal: https://portal.example.org/patients?id=7, or www.example.net.')).toEqual(['URL:https://portal.example.org/patients?id=7', 'URL:www.example.net']);
  });

  it('finds record numbers, SSNs and numbers after #', () => {
    expect(typed('MRN: 12345678', 'ID')).toEqual(['12345678']);
    expect(typed('Patient: Jo Doe    MRN: S101000010', 'ID')).toEqual(['S101000010']);
    expect(typed('Medical record number 00771234 on file.', 'ID')).toEqual(['00771234']);
    expect(typed('SSN 123-45-6789; acct # 99812-A', 'ID')).toEqual(['123-45-6789', '99812-A']);
    expect(typed('Order #123456 placed.', 'ID')).toEqual(['123456']);
  });

  it('does not read lab values as identifiers or phone numbers', () => {
    const text = 'WBC 11.2 x10^3/uL, platelets 231, glucose 95 mg/dL, ID consult, MR 2+.';
    expect(phi(text)).toEqual([]);
  });
});

describe('detectPhi: addresses and facilities', () => {
  it('takes a street line with its city, state and ZIP as one address', () => {
    expect(typed('Lives at 5267 Cedar Ct, Columbus, OH 43224. Never smoker.', 'ADDRESS')).toEqual(['5267 Cedar Ct, Columbus, OH 43224']);
    expect(typed('Lives at 12 N. Main Street, Apt 4B, Boise, ID 83729.', 'ADDRESS')).toEqual(['12 N. Main Street, Apt 4B, Boise, ID 83729']);
  });

  it('finds "City, ST" and "City, State" alone, and where someone lives', () => {
    expect(typed('Transferred from Boston, MA yesterday.', 'ADDRESS')).toEqual(['Boston, MA']);
    expect(typed('He is from Salem, Oregon originally.', 'ADDRESS')).toEqual(['Salem, Oregon']);
    expect(typed('She lives in Springfield with her son.', 'ADDRESS')).toEqual(['Springfield']);
    expect(typed('Pt lives w/ husband Bob in Quincy.', 'ADDRESS')).toEqual(['Quincy']);
  });

  it('does not read a credential after a name as a state', () => {
    expect(typed('Provider: Chinedu Garcia, MD', 'ADDRESS')).toEqual([]);
    expect(typed('Seen by Ann Jones, PA today.', 'ADDRESS')).toEqual([]);
  });

  it('finds hospital and facility names', () => {
    expect(typed("Transferred to St. Mary's Hospital for PCI.", 'ADDRESS')).toEqual(["St. Mary's Hospital"]);
    expect(typed('Followed at Mercy Medical Center and the VA Medical Center.', 'ADDRESS')).toEqual(['Mercy Medical Center', 'VA Medical Center']);
    expect(typed('Transferred from Lowell General for cath.', 'ADDRESS')).toEqual(['Lowell General']);
    expect(typed('BRIEF HOSPITAL COURSE: uneventful. Admitted to the hospital.', 'ADDRESS')).toEqual([]);
  });
});

describe('detectPhi: professions', () => {
  it.each([
    ['Works as a teacher. Never smoker.', 'teacher'],
    ['Occupation: electrician.', 'electrician'],
    ['Retired nurse. Lives alone.', 'nurse'],
    ['Employed as a truck driver for 20 years.', 'truck driver'],
    ['He works as a crane inspector at the port.', 'crane inspector'],
    ['She is a farmer and raises goats.', 'farmer'],
    ['Social: home health aide; no tobacco.', 'home health aide'],
    ['Studying to become a physical therapist.', 'physical therapist'],
    ['Social: married, high school principal (retiring soon).', 'high school principal'],
  ])('%s', (text, profession) => {
    expect(typed(text, 'PROFESSION')).toEqual([profession]);
  });

  it('does not take hospital staff words without a cue', () => {
    expect(typed('Work: injured at the warehouse. Occupation: unemployed.', 'PROFESSION')).toEqual([]);
    expect(typed('Nurse notified. Case manager and the medical student saw the patient. Power of attorney present.', 'PROFESSION')).toEqual([]);
  });
});

describe('detectPhi: the mention shape', () => {
  it('gives PROTECTED_HEALTH_INFORMATION mentions in text order, scored 0..1, without overlaps', () => {
    const text = 'Patient: Michelle Kowalski    MRN: S101000010\nDOB: 11/28/1958    Date of service: 11/12/16\nMs. Kowalski is a 57 yo woman. Call (440) 555-0139.';
    const mentions = detectPhi({ text });
    expect(mentions.map((m) => m.type)).toEqual(['NAME', 'ID', 'DATE', 'DATE', 'NAME', 'AGE', 'PHONE_OR_FAX']);
    for (const [i, m] of mentions.entries()) {
      expect(m.category).toBe('PROTECTED_HEALTH_INFORMATION');
      expect(m.score).toBeGreaterThan(0);
      expect(m.score).toBeLessThanOrEqual(1);
      if (i > 0) expect(m.begin).toBeGreaterThanOrEqual(mentions[i - 1]!.end);
    }
  });

  it('finds nothing in text without PHI', () => {
    expect(phi('Denies chest pain, fever, or shortness of breath. Lungs clear. Continue lisinopril 10 mg PO daily.')).toEqual([]);
    expect(phi('')).toEqual([]);
  });
});
