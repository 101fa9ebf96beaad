import React from 'react';
import { render, screen, within } from '@testing-library/react';
import { __resetManager } from '@twilio/flex-ui';

import UssdTaskInfo from '../components/UssdTaskInfo/UssdTaskInfo';
import * as attributes from '../utils/attributes';
import {
  customMenuAttributes,
  demoAttributesEnglish,
  demoAttributesFrench,
  makeTask,
  repeatAttributes,
  repeatUpdate,
} from './fixtures';

const formatted = (iso, locale) =>
  new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));

const rowsIn = (element) =>
  within(element)
    .getAllByRole('term')
    .map((term) => [term.textContent, term.nextSibling.textContent]);

const rowsOf = (testId) => rowsIn(screen.getByTestId(testId));

const timeOf = (iso, locale) => new Intl.DateTimeFormat(locale, { timeStyle: 'short' }).format(new Date(iso));

describe('UssdTaskInfo', () => {
  beforeEach(() => {
    __resetManager();
  });

  it('shows support_type first, among the four demo-menu answers', () => {
    render(<UssdTaskInfo task={makeTask(demoAttributesFrench)} />);

    const primary = rowsOf('ussd-primary-answers');
    expect(primary.map(([term]) => term)).toEqual(['Language', 'Location', 'Support type', 'Call back requested']);
    const supportType = screen.getByTestId('ussd-field-support_type');
    expect(within(supportType).getByRole('definition')).toHaveTextContent(/^Shelter/);
    expect(within(supportType).getByRole('definition')).toHaveTextContent('caller chose “Abri”');
  });

  it('renders an English demo-menu task for an English-speaking agent', () => {
    render(<UssdTaskInfo task={makeTask(demoAttributesEnglish)} />);

    expect(screen.getByRole('heading', { name: 'USSD request' })).toBeInTheDocument();
    expect(rowsOf('ussd-primary-answers')).toEqual([
      ['Language', 'English'],
      ['Location', 'Nairobi'],
      ['Support type', 'Food and clothing'],
      ['Call back requested', 'No'],
    ]);
    // the four answers are not repeated as "other answers"
    expect(screen.queryByTestId('ussd-other-answers')).not.toBeInTheDocument();
    // callback "No": no call-back button
    expect(screen.queryByRole('button')).not.toBeInTheDocument();

    // Jest runs with TZ=UTC (jest.config.js): 10:15Z is 10:15 local time.
    const submitted = formatted('2026-11-24T10:15:00Z', 'en-US');
    expect(submitted).toMatch(/^Nov 24, 2026, 10:15\sAM$/);
    const details = Object.fromEntries(rowsOf('ussd-details'));
    expect(details).toEqual({
      Caller: '+254712345678',
      'Service code': '*384*12#',
      Menu: 'Demo hotline (version 1)',
      Submitted: submitted,
      'USSD session': 'ATUid_5678',
    });
    const time = screen.getByText(submitted);
    expect(time.tagName).toBe('TIME');
    expect(time).toHaveAttribute('datetime', '2026-11-24T10:15:00.000Z');
  });

  it('renders a French demo-menu task in French for a French-speaking agent', () => {
    __resetManager({ localization: { localeTag: 'fr-FR', availableLocales: [] } });
    render(<UssdTaskInfo task={makeTask(demoAttributesFrench)} />);

    expect(screen.getByRole('heading', { name: 'Demande USSD' })).toBeInTheDocument();
    expect(rowsOf('ussd-primary-answers')).toEqual([
      ['Langue', 'French (choix de l’appelant : « Français »)'],
      ['Lieu', 'Dakar'],
      ['Type d’aide', 'Shelter (choix de l’appelant : « Abri »)'],
      ['Rappel demandé', 'Oui'],
    ]);
    expect(screen.getByRole('button', { name: /Rappeler le \+221771234567/ })).toBeInTheDocument();

    const details = Object.fromEntries(rowsOf('ussd-details'));
    expect(details['Code de service']).toBe('*123*456#');
    expect(details.Menu).toBe('Demo hotline (version 1)');
    expect(details['Envoyée le']).toBe(formatted('2026-11-24T10:15:00Z', 'fr-FR'));
    expect(details['Envoyée le']).toMatch(/24 nov\.? 2026/);
  });

  it('renders a French task for an English-speaking agent with the caller’s own wording', () => {
    render(<UssdTaskInfo task={makeTask(demoAttributesFrench)} />);

    expect(rowsOf('ussd-primary-answers')).toEqual([
      ['Language', 'French (caller chose “Français”)'],
      ['Location', 'Dakar'],
      ['Support type', 'Shelter (caller chose “Abri”)'],
      ['Call back requested', 'Yes (caller chose “Oui”)'],
    ]);
    expect(screen.getByRole('button', { name: /Call back \+221771234567/ })).toBeInTheDocument();
  });

  it('follows navigator.language when Flex has no locale', () => {
    __resetManager({ localization: undefined });
    const spy = jest.spyOn(window.navigator, 'language', 'get').mockReturnValue('fr-SN');
    try {
      render(<UssdTaskInfo task={makeTask(demoAttributesFrench)} />);
      expect(screen.getByRole('heading', { name: 'Demande USSD' })).toBeInTheDocument();
    } finally {
      spy.mockRestore();
    }
  });

  it('lets an administrator override a string through manager.strings', () => {
    __resetManager({ strings: { UssdFieldSupportType: 'Kind of help' } });
    render(<UssdTaskInfo task={makeTask(demoAttributesEnglish)} />);
    expect(screen.getByText('Kind of help')).toBeInTheDocument();
  });

  it('shows every other answer of a custom menu with its label', () => {
    render(<UssdTaskInfo task={makeTask(customMenuAttributes)} />);

    expect(rowsOf('ussd-other-answers')).toEqual([
      ['Household size', '5'],
      ['Needs medical care', 'Yes, urgently (urgent)'],
      ['District', 'Kibera'],
    ]);
    expect(Object.fromEntries(rowsOf('ussd-details')).Menu).toBe('Flood response (version 3)');
    // the primary four still come first and are not repeated
    expect(rowsOf('ussd-primary-answers').map(([term]) => term)).toEqual([
      'Language',
      'Location',
      'Support type',
      'Call back requested',
    ]);
  });

  it('shows answers added by a later task update', () => {
    const task = makeTask(demoAttributesEnglish);
    const { rerender } = render(<UssdTaskInfo task={task} />);
    expect(screen.queryByTestId('ussd-other-answers')).not.toBeInTheDocument();

    const updated = makeTask({
      ...demoAttributesEnglish,
      answers: [...demoAttributesEnglish.answers, { key: 'comment', label: 'Please hurry', value: 'Please hurry' }],
    });
    rerender(<UssdTaskInfo task={updated} />);
    expect(rowsOf('ussd-other-answers')).toEqual([['Comment', 'Please hurry']]);
  });

  it('renders a task with missing attributes with "Not given" and dashes', () => {
    render(<UssdTaskInfo task={makeTask({ channel: 'ussd' })} />);

    expect(rowsOf('ussd-primary-answers')).toEqual([
      ['Language', 'Not given'],
      ['Location', 'Not given'],
      ['Support type', 'Not given'],
      ['Call back requested', 'Not given'],
    ]);
    expect(Object.values(Object.fromEntries(rowsOf('ussd-details')))).toEqual(['—', '—', '—', '—', '—']);
    expect(screen.queryByTestId('ussd-other-answers')).not.toBeInTheDocument();
    expect(screen.queryByRole('button')).not.toBeInTheDocument();
  });

  it('renders malformed attributes without crashing', () => {
    const malformed = {
      channel: 'ussd',
      from: 12345,
      language: { nested: true },
      location: ['Dakar'],
      support_type: null,
      callback: 'Yes',
      answers: 'language=French',
      menu: 'Old menu',
      menu_version: 'two',
      submitted_at: 'yesterday-ish',
      service_code: '',
    };
    render(<UssdTaskInfo task={makeTask(malformed)} />);

    expect(rowsOf('ussd-primary-answers')).toEqual([
      ['Language', 'Not given'],
      ['Location', 'Not given'],
      ['Support type', 'Not given'],
      ['Call back requested', 'Yes'],
    ]);
    const details = Object.fromEntries(rowsOf('ussd-details'));
    expect(details).toMatchObject({ Caller: '12345', Menu: 'Old menu', Submitted: '—', 'Service code': '—' });
  });

  it('renders odd entries inside answers without crashing', () => {
    const attributes = {
      channel: 'ussd',
      answers: [null, 42, 'free text', { key: 'location', value: 'Thiès' }, { label: 'no key' }, [], {}, true],
    };
    render(<UssdTaskInfo task={makeTask(attributes)} />);

    expect(Object.fromEntries(rowsOf('ussd-primary-answers')).Location).toBe('Thiès');
    expect(rowsOf('ussd-other-answers')).toEqual([
      ['Answer 1', '42'],
      ['Answer 2', 'free text'],
      ['Answer 3', 'no key'],
    ]);
  });

  it.each([
    ['no task', undefined],
    ['a task without attributes', { taskSid: 'WT1' }],
    ['attributes that are null', { taskSid: 'WT1', attributes: null }],
    ['attributes that are a JSON string', { taskSid: 'WT1', attributes: JSON.stringify(demoAttributesEnglish) }],
  ])('renders %s without crashing', (label, task) => {
    render(<UssdTaskInfo task={task} />);
    expect(screen.getByTestId('ussd-task-info')).toBeInTheDocument();
    expect(screen.getAllByRole('term').length).toBeGreaterThanOrEqual(9);
  });

  it('hides the call-back button in the supervisor view', () => {
    render(<UssdTaskInfo task={makeTask(demoAttributesFrench)} showCallback={false} />);
    expect(screen.queryByRole('button')).not.toBeInTheDocument();
    expect(screen.getByText('Shelter', { exact: false })).toBeInTheDocument();
  });

  it('shows a short message instead of crashing Flex if rendering ever throws', () => {
    const error = jest.spyOn(console, 'error').mockImplementation(() => {});
    const read = jest.spyOn(attributes, 'readUssdTask').mockImplementation(() => {
      throw new TypeError('unexpected shape near "+221771234567"');
    });
    try {
      render(<UssdTaskInfo task={makeTask(demoAttributesEnglish)} />);
      expect(screen.getByTestId('ussd-task-info-fallback')).toHaveTextContent(
        'This USSD request could not be displayed in full.',
      );
      // our own log line names the kind of error, not its message (it may quote the caller)
      expect(error).toHaveBeenCalledWith('[plugin-ussd] could not render the USSD task panel:', 'TypeError');
    } finally {
      read.mockRestore();
      error.mockRestore();
    }
  });

  describe('test requests from the menu simulator (`simulation`)', () => {
    const simulated = { ...demoAttributesFrench, simulation: true };

    it('shows a notice at the top when simulation is true', () => {
      render(<UssdTaskInfo task={makeTask(simulated)} />);

      const notice = screen.getByRole('status');
      expect(notice).toHaveAttribute('data-testid', 'ussd-simulation-notice');
      expect(notice).toHaveTextContent('Test request from the menu simulator: no caller is waiting.');
      // the warning icon's accessible label
      expect(within(notice).getByTitle('(warning)')).toBeInTheDocument();
      // right under the panel title, above the answers
      const panel = screen.getByTestId('ussd-task-info');
      expect(panel.firstChild).toBe(screen.getByRole('heading', { name: 'USSD request' }));
      expect(notice.compareDocumentPosition(screen.getByTestId('ussd-primary-answers'))).toBe(
        Node.DOCUMENT_POSITION_FOLLOWING,
      );
      // the rest of the request is still shown
      expect(Object.fromEntries(rowsOf('ussd-primary-answers')).Location).toBe('Dakar');
    });

    it('shows the notice in French for a French-speaking agent', () => {
      __resetManager({ localization: { localeTag: 'fr-FR', availableLocales: [] } });
      render(<UssdTaskInfo task={makeTask(simulated)} />);

      const notice = screen.getByRole('status');
      expect(notice).toHaveTextContent(
        'Demande de test envoyée depuis le simulateur de menu : aucun appelant n’attend.',
      );
      expect(within(notice).getByTitle('(avertissement)')).toBeInTheDocument();
    });

    it('shows the notice in the supervisor view too', () => {
      render(<UssdTaskInfo task={makeTask(simulated)} showCallback={false} />);
      expect(screen.getByTestId('ussd-simulation-notice')).toBeInTheDocument();
    });

    it('reads simulation from attributes given as a JSON string', () => {
      render(<UssdTaskInfo task={{ taskSid: 'WT1', attributes: JSON.stringify(simulated) }} />);
      expect(screen.getByRole('status')).toHaveTextContent('no caller is waiting');
    });

    it('lets an administrator override the notice through manager.strings', () => {
      __resetManager({ strings: { UssdSimulationNotice: 'Menu test: nobody is on the line.' } });
      render(<UssdTaskInfo task={makeTask(simulated)} />);
      expect(screen.getByRole('status')).toHaveTextContent('Menu test: nobody is on the line.');
    });

    it.each([
      ['missing', undefined],
      ['false', false],
      ['the string "true"', 'true'],
      ['1', 1],
      ['null', null],
      ['an object', { enabled: true }],
    ])('shows no notice when simulation is %s', (label, simulation) => {
      const task = makeTask({ ...demoAttributesEnglish, simulation });
      if (simulation === undefined) {
        delete task.attributes.simulation;
      }
      render(<UssdTaskInfo task={task} />);

      expect(screen.getByTestId('ussd-task-info')).toBeInTheDocument();
      expect(screen.queryByTestId('ussd-simulation-notice')).not.toBeInTheDocument();
      expect(screen.queryByRole('status')).not.toBeInTheDocument();
      expect(screen.queryByText(/menu simulator/)).not.toBeInTheDocument();
    });

    it('removes the notice when a task update drops the attribute', () => {
      const { rerender } = render(<UssdTaskInfo task={makeTask(simulated)} />);
      expect(screen.getByTestId('ussd-simulation-notice')).toBeInTheDocument();

      rerender(<UssdTaskInfo task={makeTask(demoAttributesFrench)} />);
      expect(screen.queryByTestId('ussd-simulation-notice')).not.toBeInTheDocument();
    });
  });

  describe('repeat requests (`updates`)', () => {
    it('shows a repeat request below the first one, with its time and answers', () => {
      render(<UssdTaskInfo task={makeTask(repeatAttributes)} />);

      // TZ=UTC: 11:02Z is 11:02 local time; same day as the first request, so no date.
      const time = timeOf('2026-11-24T11:02:00Z', 'en-US');
      expect(time).toMatch(/^11:02\sAM$/);
      const section = screen.getByRole('region', { name: `Asked again at ${time}` });
      expect(within(section).getByRole('heading', { name: `Asked again at ${time}` })).toBeInTheDocument();
      expect(rowsIn(section)).toEqual([
        ['Language', 'English'],
        ['Location', 'Touba (changed)'],
        ['Support type', 'Legal (changed)'],
        ['Call back requested', 'Yes (changed)'],
      ]);
      expect(within(section).getByText('USSD session ATUid_999')).toBeInTheDocument();

      // The first request is still shown as it was, above the repeat request.
      expect(Object.fromEntries(rowsOf('ussd-primary-answers'))).toEqual({
        Language: 'English',
        Location: 'Nairobi',
        'Support type': 'Food and clothing',
        // the merged top-level "Yes", without the first request's "No" as the caller's wording
        'Call back requested': 'Yes',
      });
      expect(screen.getByTestId('ussd-details').compareDocumentPosition(section)).toBe(
        Node.DOCUMENT_POSITION_FOLLOWING,
      );
      // the repeat request asked for a call back: the button is there
      expect(screen.getByRole('button', { name: /Call back \+254712345678/ })).toBeInTheDocument();
    });

    it('shows repeat requests in French for a French-speaking agent', () => {
      __resetManager({ localization: { localeTag: 'fr-FR', availableLocales: [] } });
      render(<UssdTaskInfo task={makeTask(repeatAttributes)} />);

      const time = timeOf('2026-11-24T11:02:00Z', 'fr-FR');
      expect(time).toBe('11:02');
      const section = screen.getByRole('region', { name: 'Nouvelle demande à 11:02' });
      expect(rowsIn(section)).toEqual([
        ['Langue', 'English'],
        ['Lieu', 'Touba (modifié)'],
        ['Type d’aide', 'Legal (modifié)'],
        // as in the first request's rows: the caller's own wording when it is not the agent's
        ['Rappel demandé', 'Oui (choix de l’appelant : « Yes ») (modifié)'],
      ]);
      expect(within(section).getByText('Session USSD ATUid_999')).toBeInTheDocument();
      expect(within(section).getAllByTestId('ussd-repeat-changed')[0]).toHaveAttribute(
        'title',
        'Première demande : Nairobi',
      );
    });

    it('marks only the values that differ from the first request', () => {
      const attributes = {
        ...demoAttributesFrench,
        answers: [...demoAttributesFrench.answers, { key: 'district', label: 'Médina', value: 'Medina' }],
        updates: [
          {
            submitted_at: '2026-11-24T10:40:00Z',
            ussd_session_id: 'ATUid_2000',
            answers: [
              // same value, other wording and case: not a change
              { key: 'language', label: 'French', value: 'french' },
              { key: 'location', label: 'Dakar', value: 'Dakar' },
              { key: 'support_type', label: 'Santé', value: 'Health' },
              { key: 'callback', label: 'Oui', value: 'Yes' },
              { key: 'district', label: 'Plateau', value: 'Plateau' },
              // nothing to compare with in the first request: not a change
              { key: 'household_size', label: '4', value: '4' },
            ],
          },
          { ...repeatUpdate, answers: [{ key: 'location', label: 'Touba', value: 'Touba' }] },
        ],
      };
      render(<UssdTaskInfo task={makeTask(attributes)} />);

      const sections = screen.getAllByTestId('ussd-repeat-request');
      expect(sections.map((section) => section.getAttribute('aria-label'))).toEqual([
        `Asked again at ${timeOf('2026-11-24T10:40:00Z', 'en-US')}`,
        `Asked again at ${timeOf('2026-11-24T11:02:00Z', 'en-US')}`,
      ]);
      expect(rowsIn(sections[0])).toEqual([
        ['Language', 'french'],
        ['Location', 'Dakar'],
        ['Support type', 'Health (caller chose “Santé”) (changed)'],
        ['Call back requested', 'Yes (caller chose “Oui”)'],
        ['District', 'Plateau (changed)'],
        ['Household size', '4'],
      ]);
      // the changed value itself is bold, and the marker says what it was
      const supportType = within(sections[0]).getAllByRole('definition')[2];
      expect(within(supportType).getByText('Health').tagName).toBe('STRONG');
      expect(within(supportType).getByTestId('ussd-repeat-changed')).toHaveAttribute('title', 'First request: Shelter');
      expect(within(sections[0]).getByText('Dakar').tagName).not.toBe('STRONG');
      expect(within(sections[0]).getAllByTestId('ussd-repeat-changed')).toHaveLength(2);
      // every repeat request is compared with the first request, not with the previous one
      expect(rowsIn(sections[1])).toEqual([['Location', 'Touba (changed)']]);
    });

    it('renders malformed updates without crashing', () => {
      const variants = ['Touba', 42, null, { answers: [] }, true];
      variants.forEach((updates) => {
        const { unmount } = render(<UssdTaskInfo task={makeTask({ ...demoAttributesEnglish, updates })} />);
        expect(screen.getByTestId('ussd-task-info')).toBeInTheDocument();
        expect(screen.queryByTestId('ussd-repeat-request')).not.toBeInTheDocument();
        expect(screen.queryByTestId('ussd-task-info-fallback')).not.toBeInTheDocument();
        unmount();
      });

      const attributes = {
        ...demoAttributesEnglish,
        updates: [
          null,
          'asked again',
          7,
          [],
          {},
          { submitted_at: 'around eleven', ussd_session_id: { id: 1 }, answers: 'location=Touba' },
          { submitted_at: '2026-11-25T08:30:00Z', answers: [null, 5, { key: 'location', label: { x: 1 } }, {}] },
          { submitted_at: ['2026-11-24T11:02:00Z'], answers: [{ key: 'location', value: 'Nairobi' }] },
        ],
      };
      render(<UssdTaskInfo task={makeTask(attributes)} />);

      expect(screen.queryByTestId('ussd-task-info-fallback')).not.toBeInTheDocument();
      const sections = screen.getAllByTestId('ussd-repeat-request');
      expect(sections).toHaveLength(4);

      // an entry without answers or time still shows that the caller asked again
      expect(within(sections[0]).getByRole('heading')).toHaveTextContent(/^Asked again$/);
      expect(within(sections[0]).getByText('No answers came with this request.')).toBeInTheDocument();
      expect(within(sections[1]).getByRole('heading')).toHaveTextContent(/^Asked again$/);
      expect(within(sections[1]).getByText('No answers came with this request.')).toBeInTheDocument();
      expect(within(sections[1]).queryByText(/USSD session/)).not.toBeInTheDocument();

      // another day than the first request: date and time
      expect(within(sections[2]).getByRole('heading')).toHaveTextContent(
        `Asked again on ${formatted('2026-11-25T08:30:00Z', 'en-US')}`,
      );
      expect(rowsIn(sections[2])).toEqual([
        ['Answer 1', '5'],
        ['Location', 'Not given'],
      ]);

      expect(within(sections[3]).getByRole('heading')).toHaveTextContent(/^Asked again$/);
      expect(rowsIn(sections[3])).toEqual([['Location', 'Nairobi']]);

      // the first request is untouched
      expect(Object.fromEntries(rowsOf('ussd-primary-answers')).Location).toBe('Nairobi');
    });

    it('reads updates from attributes given as a JSON string', () => {
      render(<UssdTaskInfo task={{ taskSid: 'WT1', attributes: JSON.stringify(repeatAttributes) }} />);
      expect(screen.getByTestId('ussd-repeat-request')).toHaveAttribute(
        'aria-label',
        `Asked again at ${timeOf('2026-11-24T11:02:00Z', 'en-US')}`,
      );
    });
  });
});
