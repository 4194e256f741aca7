import { DDS_STATUSES, canTransition, eventTypesFor, illegalTransitionMessage } from './dds-transitions';

describe('the DDS transition table', () => {
  it('allows exactly DRAFT→SUBMITTED, SUBMITTED→APPROVED|REJECTED and REJECTED→DRAFT', () => {
    const allowed = DDS_STATUSES.flatMap((from) =>
      DDS_STATUSES.filter((to) => canTransition(from, to)).map((to) => `${from}->${to}`),
    );
    expect(allowed.sort()).toEqual(
      ['DRAFT->SUBMITTED', 'REJECTED->DRAFT', 'SUBMITTED->APPROVED', 'SUBMITTED->REJECTED'].sort(),
    );
  });

  it('names both statuses and the allowed targets in the refusal', () => {
    expect(illegalTransitionMessage('DDS-2025-00001', 'DRAFT', 'APPROVED')).toBe(
      'DDS DDS-2025-00001 cannot move from DRAFT to APPROVED; allowed from DRAFT: SUBMITTED.',
    );
    expect(illegalTransitionMessage('DDS-2025-00001', 'APPROVED', 'DRAFT')).toMatch(
      /none: APPROVED is final/,
    );
  });

  it('emits dds.submitted and dds.approved besides dds.status_changed where they apply', () => {
    expect(eventTypesFor('SUBMITTED')).toEqual(['dds.status_changed', 'dds.submitted']);
    expect(eventTypesFor('APPROVED')).toEqual(['dds.status_changed', 'dds.approved']);
    expect(eventTypesFor('REJECTED')).toEqual(['dds.status_changed']);
    expect(eventTypesFor('DRAFT')).toEqual(['dds.status_changed']);
  });
});
