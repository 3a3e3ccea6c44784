/**
 * Anatomy, directions, tests, procedures, treatments and behavioural terms, written for Hearth.
 * Syntax (parse.ts): key|preferred|synonyms|abbreviations|misspellings; '!' case-sensitive,
 * '@' only before a value.
 */

/** SYSTEM_ORGAN_SITE: organs, regions, body systems. */
export const ANATOMY_RECORDS: readonly string[] = [
  'heart|heart|cardiac||hart', 'lung|lungs|lung;pulmonary;chest wall;thorax', 'chest|chest|', 'abdomen|abdomen|belly;stomach area;abdominal wall|abd!|abdomin',
  'head|head|', 'neck|neck|', 'brain|brain|cerebrum;cerebral', 'skull|skull|cranium', 'face|face|', 'eye|eyes|eye', 'ear|ears|ear;tympanic membrane;tympanic membranes|TM!;TMs!',
  'nose|nose|nasal cavity;nares', 'mouth|mouth|oral cavity;oropharynx;oral mucosa', 'throat|throat|pharynx', 'tongue|tongue|', 'teeth|teeth|tooth;dentition',
  'larynx|larynx|voice box', 'trachea|trachea|windpipe', 'esophagus|esophagus|oesophagus', 'stomach|stomach|gastric', 'duodenum|duodenum|',
  'small intestine|small intestine|small bowel', 'large intestine|colon|large bowel;large intestine', 'rectum|rectum|', 'anus|anus|', 'appendix|appendix|',
  'liver|liver|hepatic', 'gallbladder|gallbladder|gall bladder', 'pancreas|pancreas|', 'spleen|spleen|', 'kidney|kidneys|kidney;renal',
  'ureter|ureter|ureters', 'bladder|bladder|urinary bladder', 'urethra|urethra|', 'prostate|prostate|prostate gland', 'testis|testicles|testis;testes;testicle;scrotum',
  'penis|penis|', 'uterus|uterus|womb', 'ovary|ovaries|ovary', 'cervix|cervix|', 'vagina|vagina|', 'breast|breasts|breast',
  'thyroid|thyroid|thyroid gland', 'adrenal|adrenal gland|adrenal glands', 'pituitary|pituitary gland|pituitary', 'lymph node|lymph nodes|lymph node;lymphatics',
  'skin|skin|integument', 'spine|spine|spinal column;vertebral column', 'spinal cord|spinal cord|', 'cervical spine|cervical spine|C-spine', 'thoracic spine|thoracic spine|T-spine',
  'lumbar spine|lumbar spine|L-spine;lower back;low back', 'back|back|', 'pelvis|pelvis|pelvic', 'hip|hip|hips', 'shoulder|shoulder|shoulders',
  'arm|arm|arms;upper arm', 'elbow|elbow|elbows', 'forearm|forearm|', 'wrist|wrist|wrists', 'hand|hand|hands', 'finger|finger|fingers;digit;digits', 'thumb|thumb|',
  'leg|leg|legs;lower leg', 'thigh|thigh|', 'knee|knee|knees', 'ankle|ankle|ankles', 'foot|foot|feet', 'toe|toe|toes', 'heel|heel|',
  'extremities|extremities|extremity;limbs;limb', 'lower extremities|lower extremities|lower extremity;lower limbs|LE!;LEs!;BLE!', 'upper extremities|upper extremities|upper extremity;upper limbs|UE!;UEs!',
  'artery|artery|arteries', 'vein|vein|veins', 'aorta|aorta|', 'carotid|carotid artery|carotid arteries;carotids', 'coronary arteries|coronary arteries|coronary artery',
  'sinus|sinuses|sinus;paranasal sinuses', 'muscle|muscle|muscles', 'bone|bone|bones', 'joint|joint|joints', 'tendon|tendon|tendons', 'ligament|ligament|ligaments',
  'nerve|nerve|nerves', 'lobe|lobe|', 'left lower lobe|left lower lobe||LLL', 'right lower lobe|right lower lobe||RLL', 'right middle lobe|right middle lobe||RML', 'left upper lobe|left upper lobe||LUL', 'right upper lobe|right upper lobe||RUL',
  'right upper quadrant|right upper quadrant||RUQ', 'left upper quadrant|left upper quadrant||LUQ', 'right lower quadrant|right lower quadrant||RLQ', 'left lower quadrant|left lower quadrant||LLQ',
  'epigastrium|epigastrium|epigastric region', 'flank|flank|flanks', 'groin|groin|inguinal region', 'scalp|scalp|', 'jaw|jaw|mandible', 'retina|retina|', 'cornea|cornea|',
  'heart valves|heart valves|mitral valve;aortic valve;tricuspid valve', 'ventricle|ventricle|left ventricle;right ventricle;ventricles', 'atrium|atrium|atria;left atrium;right atrium',
  'cardiovascular system|cardiovascular system|', 'respiratory system|respiratory system|respiratory tract', 'gastrointestinal system|gastrointestinal tract|GI tract;digestive system',
  'genitourinary system|genitourinary system|urinary tract', 'musculoskeletal system|musculoskeletal system|', 'nervous system|nervous system|central nervous system|CNS',
  'hematologic system|hematologic system|lymphatic system', 'endocrine system|endocrine system|', 'integumentary system|integumentary system|',
];

/** DIRECTION: laterality and position words. */
export const DIRECTION_RECORDS: readonly string[] = [
  'left|left||L!', 'right|right||R!', 'bilateral|bilateral|bilaterally;both sides', 'upper|upper|', 'lower|lower|', 'anterior|anterior|', 'posterior|posterior|',
  'medial|medial|', 'lateral|lateral|', 'proximal|proximal|', 'distal|distal|', 'superior|superior|', 'inferior|inferior|', 'central|central|', 'peripheral|peripheral|',
  'dorsal|dorsal|', 'ventral|ventral|', 'unilateral|unilateral|', 'midline|midline|',
];

/** TEST_NAME: labs, vitals, imaging, physiological tests. */
export const TEST_RECORDS: readonly string[] = [
  'bp|blood pressure|blood pressures|BP;B/P|blod pressure', 'hr|heart rate|pulse;pulse rate;heart rate|HR@', 'rr|respiratory rate|respiration rate;respirations;resp rate|RR@;resp@',
  'temp|temperature|temp@;body temperature|T@;Tmax;Tm@|temprature', 'spo2|oxygen saturation|O2 sat;O2 saturation;O2 sats;pulse ox;pulse oximetry;oxygen sat;sat@;sats@|SpO2;SaO2|', 'weight|weight@|body weight|wt@;Wt@', 'height|height@|body height|ht@;Ht@', 'bmi|body mass index|BMI|BMI',
  'a1c|hemoglobin A1c|glycated hemoglobin;glycosylated hemoglobin;A1c;hemoglobin A1C;HgbA1c;Hgb A1c|HbA1c;A1C|hemoglobin a1 c', 'glucose|glucose|blood glucose;blood sugar;fasting glucose;fasting blood glucose;fasting blood sugar;serum glucose;fingerstick glucose|BG!;FBG;FBS;CBG|glucoes',
  'cbc|complete blood count|blood count|CBC', 'wbc|white blood cell count|white count;white blood cells;WBC count;leukocyte count|WBC', 'hgb|hemoglobin|haemoglobin|Hgb;Hb!;HGB', 'hct|hematocrit|haematocrit|Hct;HCT',
  'plt|platelet count|platelets;platelet|Plt;PLT', 'mcv|mean corpuscular volume||MCV', 'bmp|basic metabolic panel|chem 7;chem-7|BMP', 'cmp|comprehensive metabolic panel|chem 14|CMP',
  'na|sodium@|serum sodium|Na@', 'k|potassium@|serum potassium|K@', 'cl|chloride@||Cl@', 'co2|bicarbonate@|CO2@;bicarb@|HCO3@', 'bun|blood urea nitrogen|urea nitrogen|BUN',
  'cr|creatinine|serum creatinine|Cr;Creat|creatinin', 'egfr|estimated glomerular filtration rate|glomerular filtration rate;eGFR;GFR|eGFR;GFR', 'ca|calcium@|serum calcium|Ca@', 'mg|magnesium@||Mg@', 'phos|phosphorus@|phosphate@|Phos@',
  'lipid panel|lipid panel|lipid profile;lipids;fasting lipid panel|', 'tc|total cholesterol|cholesterol;serum cholesterol|TC@', 'ldl|LDL cholesterol|low density lipoprotein;LDL-C;LDL cholesterol|LDL', 'hdl|HDL cholesterol|high density lipoprotein;HDL-C|HDL',
  'tg|triglycerides|triglyceride|TG@;trigs@|triglicerides', 'tsh|thyroid stimulating hormone|thyrotropin|TSH', 'ft4|free T4|free thyroxine;T4|FT4', 't3|T3|triiodothyronine|',
  'lft|liver function tests|liver panel;hepatic function panel|LFTs;LFT', 'ast|aspartate aminotransferase|AST|AST;SGOT', 'alt|alanine aminotransferase|ALT|ALT;SGPT', 'alk phos|alkaline phosphatase|alk phos|ALP',
  'bilirubin|bilirubin|total bilirubin|T bili;Tbili', 'albumin|albumin|serum albumin|', 'total protein|total protein||', 'inr|INR|international normalized ratio|INR', 'pt|prothrombin time||PT@', 'ptt|partial thromboplastin time|aPTT|PTT',
  'troponin|troponin|troponin I;troponin T;high sensitivity troponin;hs-troponin|trop@|tropnin', 'bnp|BNP|brain natriuretic peptide;B-type natriuretic peptide;NT-proBNP;pro-BNP|BNP', 'ck|creatine kinase|CPK|CK@', 'lactate|lactate|lactic acid|',
  'd-dimer|D-dimer|d dimer|', 'crp|C-reactive protein|CRP|CRP', 'esr|erythrocyte sedimentation rate|sed rate|ESR', 'procalcitonin|procalcitonin||', 'ferritin|ferritin||', 'iron studies|iron studies|serum iron;iron panel|',
  'b12|vitamin B12 level|B12 level;vitamin B12|', 'vit d|vitamin D level|25-hydroxyvitamin D;25-OH vitamin D;vitamin D 25-hydroxy|', 'folate|folate|folic acid level|', 'psa|prostate specific antigen||PSA', 'uric acid|uric acid||',
  'lipase|lipase||', 'amylase|amylase||', 'ammonia|ammonia|', 'abg|arterial blood gas|blood gas|ABG', 'ua|urinalysis|urine analysis|UA', 'urine culture|urine culture||', 'blood culture|blood cultures|blood culture|',
  'uacr|urine albumin-to-creatinine ratio|urine microalbumin;microalbumin;albumin/creatinine ratio|UACR', 'hcg|pregnancy test|urine pregnancy test;serum hCG;beta hCG|hCG', 'drug screen|urine drug screen|toxicology screen|UDS',
  'covid test|COVID-19 test|SARS-CoV-2 PCR;COVID test;covid PCR|', 'flu test|influenza test|rapid flu test|', 'strep test|rapid strep test|strep screen|', 'hiv test|HIV test|HIV screen|', 'hep c|hepatitis C antibody|HCV antibody|',
  'ecg|electrocardiogram|ECG;EKG;12-lead ECG;12 lead EKG|ECG;EKG', 'echo|echocardiogram|echocardiography;transthoracic echocardiogram;TTE;TEE|echo', 'stress test|stress test|exercise stress test;nuclear stress test;treadmill test|',
  'holter|Holter monitor|ambulatory ECG monitor|', 'cxr|chest x-ray|chest radiograph;chest film;chest xray|CXR', 'xray|x-ray|xray;radiograph;plain film|', 'ct|CT scan|computed tomography;CAT scan|CT!', 'ct head|CT head|head CT;CT of the head|',
  'cta|CT angiogram|CT angiography|CTA', 'mri|MRI|magnetic resonance imaging;MRI scan|', 'mra|MR angiogram|magnetic resonance angiography|MRA', 'us|ultrasound|sonogram;ultrasonography|US!', 'doppler|Doppler ultrasound|venous doppler;duplex ultrasound;venous duplex|',
  'mammogram|mammogram|mammography;screening mammogram|', 'dexa|bone density scan|DEXA scan;DXA scan;bone densitometry|DEXA;DXA', 'pft|pulmonary function tests|pulmonary function testing;spirometry|PFTs;PFT', 'eeg|electroencephalogram||EEG',
  'emg|electromyography|nerve conduction study|EMG', 'pet|PET scan|positron emission tomography|', 'pap|Pap smear|Pap test;cervical cytology|', 'biopsy|biopsy||', 'sleep study|sleep study|polysomnography|PSG',
];

/** PROCEDURE_NAME: operations and interventions. */
export const PROCEDURE_RECORDS: readonly string[] = [
  'colonoscopy|colonoscopy||', 'egd|upper endoscopy|esophagogastroduodenoscopy;endoscopy|EGD', 'cabg|coronary artery bypass graft|coronary artery bypass;bypass surgery|CABG', 'pci|percutaneous coronary intervention|coronary angioplasty;angioplasty;stent placement|PCI',
  'cath|cardiac catheterization|heart catheterization;left heart cath;coronary angiogram;coronary angiography|', 'appendectomy|appendectomy||', 'cholecystectomy|cholecystectomy|lap chole;laparoscopic cholecystectomy|', 'hysterectomy|hysterectomy||',
  'c-section|cesarean section|C-section;cesarean delivery|', 'tonsillectomy|tonsillectomy||', 'tkr|total knee replacement|knee replacement;total knee arthroplasty|TKA;TKR', 'thr|total hip replacement|hip replacement;total hip arthroplasty|THA;THR',
  'hernia repair|hernia repair|herniorrhaphy;inguinal hernia repair|', 'cataract surgery|cataract surgery|cataract extraction|', 'mastectomy|mastectomy||', 'lumpectomy|lumpectomy||', 'prostatectomy|prostatectomy||', 'turp|transurethral resection of the prostate||TURP',
  'pacemaker placement|pacemaker placement|pacemaker implantation|', 'ablation|ablation|cardiac ablation;catheter ablation|', 'cardioversion|cardioversion||', 'intubation|intubation|endotracheal intubation|', 'thoracentesis|thoracentesis||',
  'paracentesis|paracentesis||', 'lumbar puncture|lumbar puncture|spinal tap|LP!', 'arthroscopy|arthroscopy|knee arthroscopy|', 'spinal fusion|spinal fusion|lumbar fusion|', 'laminectomy|laminectomy||', 'carpal tunnel release|carpal tunnel release||',
  'bariatric surgery|bariatric surgery|gastric bypass;sleeve gastrectomy|', 'vasectomy|vasectomy||', 'tubal ligation|tubal ligation||', 'circumcision|circumcision||', 'amputation|amputation||', 'debridement|debridement|wound debridement|',
  'incision and drainage|incision and drainage||I&D', 'laceration repair|laceration repair|wound repair|', 'central line|central line placement|central venous catheter|', 'bronchoscopy|bronchoscopy||', 'cystoscopy|cystoscopy||', 'dilation and curettage|dilation and curettage||D&C',
  'splenectomy|splenectomy||', 'thyroidectomy|thyroidectomy||', 'nephrectomy|nephrectomy||', 'colectomy|colectomy|bowel resection|', 'joint injection|joint injection|steroid injection;cortisone injection|', 'surgery|surgery||',
];

/** TREATMENT_NAME: therapies that are not a single drug or procedure. */
export const TREATMENT_RECORDS: readonly string[] = [
  'pt|physical therapy|physiotherapy|PT!', 'ot|occupational therapy||OT!', 'speech therapy|speech therapy|speech-language therapy|', 'dialysis|dialysis|hemodialysis;peritoneal dialysis|HD!',
  'oxygen therapy|oxygen therapy|supplemental oxygen;home oxygen|', 'chemotherapy|chemotherapy|chemo|', 'radiation therapy|radiation therapy|radiotherapy;radiation|XRT', 'cpap|CPAP|continuous positive airway pressure;BiPAP|',
  'cbt|cognitive behavioral therapy|psychotherapy;counseling;talk therapy|CBT', 'cardiac rehab|cardiac rehabilitation|cardiac rehab|', 'pulmonary rehab|pulmonary rehabilitation|pulmonary rehab|', 'insulin therapy|insulin therapy||',
  'iv fluids|IV fluids|intravenous fluids;fluid resuscitation;IV hydration|IVF', 'transfusion|blood transfusion|transfusion;packed red blood cells|PRBC', 'mechanical ventilation|mechanical ventilation|ventilator support|',
  'diet|dietary modification|low sodium diet;low salt diet;diabetic diet;heart healthy diet;low carbohydrate diet|', 'exercise|exercise program|regular exercise;aerobic exercise|', 'weight loss program|weight loss program|lifestyle modification;lifestyle changes|',
  'smoking cessation|smoking cessation|smoking cessation counseling;tobacco cessation|', 'wound care|wound care||', 'immunotherapy|immunotherapy||', 'antibiotic therapy|antibiotic therapy|antibiotics|', 'anticoagulation|anticoagulation therapy|anticoagulation|',
  'vaccination|vaccination|immunization;flu shot;influenza vaccine|', 'nebulizer|nebulizer treatment|nebulizer;breathing treatment|', 'splint|splinting|splint|', 'ice|ice and rest|RICE|',
];

/**
 * Phrases that are no entity although a shorter entity term sits inside them ("by mouth" is a
 * route, not the mouth; "review of systems" is a heading). The matcher lets them win by length and
 * emits nothing for them.
 */
export const STOP_PHRASES: readonly string[] = [
  'by mouth', 'per mouth', 'in the mouth', 'review of systems', 'physical exam', 'physical examination', 'past medical history', 'family history',
  'social history', 'history of present illness', 'chief complaint', 'no known allergies', 'no known drug allergies', 'heart healthy', 'heart-healthy',
  'PE:', 'ROS:', 'back to', 'came back', 'come back', 'comes back', 'coming back', 'go back', 'went back', 'get back', 'call back', 'back and forth',
  'back home', 'brought back', 'head of the bed', 'head of bed', 'empty stomach', 'normal sinus rhythm', 'sinus rhythm', 'head to toe', 'head-to-toe', 'all other systems', 'all systems', 'pain management', 'pain clinic', 'pain medication', 'pain medications',
  'drug allergies', 'weight bearing', 'weight-bearing', 'blood pressure cuff', 'foot exam', 'eye exam', 'skin exam',
];

/** BEHAVIORAL_ENVIRONMENTAL_SOCIAL. */
export const TOBACCO_RECORDS: readonly string[] = [
  'smoker|smoker|smokes;smoking;tobacco use;tobacco;cigarettes;cigarette smoking;cigarette;cigars;vaping;chewing tobacco;smokeless tobacco;nonsmoker;non-smoker|',
];
export const ALCOHOL_RECORDS: readonly string[] = [
  'alcohol|alcohol use|alcohol;alcohol consumption;ethanol;EtOH;beer;wine;liquor;social drinker|ETOH',
];
export const ILLICIT_DRUG_RECORDS: readonly string[] = [
  'illicit drugs|illicit drug use|illicit drugs;recreational drugs;recreational drug use;drug use;street drugs;substance use;IV drug use;injection drug use;cocaine;heroin;marijuana;cannabis;methamphetamine;opioid use|IVDU;IVDA',
];
