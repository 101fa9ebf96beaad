import React from 'react';
import PropTypes from 'prop-types';

/**
 * The USSD channel icon: a phone keypad whose last row is "* 0 #", the keys a
 * caller presses for a USSD code. Plain SVG in `currentColor`, so it takes the
 * colour Flex gives channel icons and needs no theme.
 */
const UssdIcon = ({ size, title }) => (
  <svg
    width={size}
    height={size}
    viewBox="0 0 24 24"
    fill="currentColor"
    xmlns="http://www.w3.org/2000/svg"
    role={title ? 'img' : undefined}
    aria-hidden={title ? undefined : true}
    aria-label={title || undefined}
    focusable="false"
    data-testid="ussd-channel-icon"
  >
    <circle cx="5" cy="3.5" r="1.9" />
    <circle cx="12" cy="3.5" r="1.9" />
    <circle cx="19" cy="3.5" r="1.9" />
    <circle cx="5" cy="9" r="1.9" />
    <circle cx="12" cy="9" r="1.9" />
    <circle cx="19" cy="9" r="1.9" />
    <circle cx="5" cy="14.5" r="1.9" />
    <circle cx="12" cy="14.5" r="1.9" />
    <circle cx="19" cy="14.5" r="1.9" />
    <g transform="translate(5 20.5)">
      <rect x="-0.5" y="-2.2" width="1" height="4.4" rx="0.5" />
      <rect x="-0.5" y="-2.2" width="1" height="4.4" rx="0.5" transform="rotate(60)" />
      <rect x="-0.5" y="-2.2" width="1" height="4.4" rx="0.5" transform="rotate(120)" />
    </g>
    <circle cx="12" cy="20.5" r="1.9" />
    <g transform="translate(19 20.5)">
      <rect x="-1.4" y="-2.2" width="0.9" height="4.4" rx="0.45" />
      <rect x="0.5" y="-2.2" width="0.9" height="4.4" rx="0.45" />
      <rect x="-2.2" y="-1.4" width="4.4" height="0.9" rx="0.45" />
      <rect x="-2.2" y="0.5" width="4.4" height="0.9" rx="0.45" />
    </g>
  </svg>
);

UssdIcon.propTypes = {
  size: PropTypes.oneOfType([PropTypes.number, PropTypes.string]),
  title: PropTypes.string,
};

UssdIcon.defaultProps = {
  size: 24,
  title: undefined,
};

export default UssdIcon;
